"""A stale lock (its process gone) taken over only with a journalled reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.kept_locks import closed_keeping, drill_faults_never_undone
from console.journal.files import JOURNAL_NAME
from console.journal.store import opened_as_drill

if TYPE_CHECKING:
    from console.engine.errors import StaleLock
    from console.ui.step_host import StepHost


def offer_lock_takeover(app: StepHost, refusal: StaleLock, retry: Callable[[str], None]) -> None:
    """A stale lock (its process is gone) is taken over only with a journalled reason:
    `retry(reason)` tries again with it."""
    from console.ui.screens.dialogs import TextPrompt

    def take_over(reason: str | None) -> None:
        if reason:
            retry(reason)

    conductor = app.conductor
    mine = conductor.state.incident_id if conductor else ""
    journal = app.engine.journal_root / refusal.holder / JOURNAL_NAME
    resume = ""
    if refusal.holder and refusal.holder != mine and journal.is_file():
        # a close that kept it (a host unknown there, a drill's too) says so first
        resume = held_by_closed(refusal.holder, journal) or (
            _drill_cut_short(refusal.holder, journal)
            if opened_as_drill(journal)
            else f"\nIncident {refusal.holder} is still open on this jump host: to carry it"
            " on instead, Esc back to the home screen and resume it there"
            f" ({app.key_label('home.resume')})."
        )
    app.push_screen(
        TextPrompt(
            "Take over a stale lock?",
            f"{refusal}.{resume}\nWhy is it safe to take it over? The reason is journalled.",
            "e.g. the console that held it crashed; nobody else is rolling back",
            danger=True,
        ),
        take_over,
    )


def _drill_cut_short(incident: str, journal: Path) -> str:
    """A drill's stale lock: a drill is not carried on, so taking it over loses nothing,
    unless a fault it injected was never undone: then that, first."""
    left = drill_faults_never_undone(journal)
    if left:
        return (
            f"\nDrill {incident} was cut short on this jump host (its console is gone): {left}:"
            " undo it by hand first; a drill that takes its lock over now reads its baseline"
            " from hosts still faulty, and undoes only its own faults."
        )
    return (
        f"\nDrill {incident} was cut short on this jump host (its console is gone): a drill"
        " is not carried on, so taking its lock over loses nothing; its record stays as it is."
    )


def held_by_closed(incident: str, journal: Path) -> str:
    """`closed_keeping`, on a line of its own under the refusal."""
    said = closed_keeping(incident, journal)
    return f"\n{said}" if said else ""
