"""The way on from a step whose failed hosts' attempt left what only the strategy's undo
puts back (UNDO_FIRST: a restore that did not finish, the data directory replaced): the
undo, never a retry, which the next precheck would refuse there."""

from __future__ import annotations

from collections.abc import Callable

from console.model.outcome import named
from console.model.state import IncidentState

NAMED = 3  # hosts named; the others counted


def undo_first_said(
    key: Callable[[str], str], state: IncidentState, step_id: str, here: bool = False
) -> str:
    """`u on F2 undoes what it left first (a retry is refused until then)` (`key` names a
    key as it is bound; `here`: said on the checklist, where u is), which hosts where only
    some failed so; "" where none did."""
    undo = state.undo_first(step_id)
    if not undo:
        return ""
    where = "" if here else f" on {key('go.checklist')}"
    first = f"{key('checklist.undo')}{where} undoes what it left first"
    if set(state.step(step_id).retry_hosts()) <= set(undo):
        return f"{first} (a retry is refused until then)"
    return f"{key('execution.retry')} retries failed hosts but {named(undo, NAMED)}, where {first}"
