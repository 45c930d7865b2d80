"""How a status update stopped midway is recorded: why it stopped, and, with what its
channel had answered by then (never dropped: `delivery.Progress`), that it had no answer
yet or was not tried again."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.engine.notifier import Notifier


def aborted_words(step_cut: str) -> str:
    """An attempt with no answer yet when the step was aborted."""
    return f"no answer yet when the step was aborted ({step_cut}): it may have arrived"


def stopped_words(notifier: Notifier, repeat: bool, own: bool) -> tuple[str, str]:
    """(the words for an attempt with no answer yet, why none is tried again) of a send
    stopped by Ctrl+C after the close, by the close (`repeat`: a periodic update), by an
    abort of its step (`own`: the step's own update), or by the console's end (its
    terminal closed, SIGTERM, D)."""
    if notifier.interrupted and notifier.interrupted != notifier.ended:  # Ctrl+C, TERM
        return f"no answer yet when it was {notifier.interrupted}", notifier.interrupted
    if repeat and (cut := notifier.repeats_cut):
        return f"no answer yet when {cut}: it may have arrived", cut
    if own and notifier.step_cut:
        return aborted_words(notifier.step_cut), f"the step was aborted ({notifier.step_cut})"
    if notifier.ended:
        return f"no answer yet when {notifier.ended}: it may have arrived", notifier.ended
    return "no answer yet when it was stopped", "it was stopped"
