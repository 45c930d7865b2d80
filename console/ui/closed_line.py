"""The checklist's line for a closed incident: its outcome and when it ended, fitted."""

from __future__ import annotations

from console.model.outcome import Outcome, done_word, outcome_label
from console.model.state import IncidentState


def closed_line(state: IncidentState, ended: str, width: int) -> str:
    """` ■ Closed: partially rolled back; not rolled back: web-2 · ended 10:04:00 UTC`; a
    partial close's hosts named fewer, then counted, until it fits `width` (seen at 200
    hosts: cut at the screen's edge, the hosts left and the time out of sight)."""
    label = state.outcome_label
    for shown in (None, 3, 2, 1, 0):
        if shown is not None and state.outcome == Outcome.PARTIAL:
            hosts, unknown = state.left_at_close, state.unknown_at_close
            done = done_word(state.outcome_label)
            label = outcome_label(Outcome.PARTIAL, "", hosts, "", unknown, done, shown)
        line = f" ■ Closed: {label} · ended {ended}"
        if len(line) <= width or state.outcome != Outcome.PARTIAL:
            break
    return line
