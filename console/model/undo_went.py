"""How a strategy step's undo went, in the words the home screen's list, `rollback-console
list` and the checklist share. An undo refused on every host found nothing of the
incident's to undo there (changed since) and sent nothing more: nothing changed, which is
not a failure (the list said "↶ undo failed" of one, where `undo` had said "undo REFUSED
on web-1, web-2, web-3, nothing changed there", exit 3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from console.model.status import HostStatus, StepStatus

if TYPE_CHECKING:
    from console.model.step_state import StepState

UNDONE, IN_PART, REFUSED, FAILED = "undone", "in part", "refused", "failed"

# After the outcome of a closed incident: `rolled back, an undo refused since`.
SINCE = {
    UNDONE: "undone since",
    IN_PART: "undone in part since",
    REFUSED: "an undo refused since",
    FAILED: "an undo failed since",
}

# Of a step whose undo ran, as the checklist says it of the highlighted step.
SAID = {
    UNDONE: "undone",
    IN_PART: "undone on some hosts, refused or not reached on the others",
    REFUSED: "its undo refused on every host, nothing changed there",
    FAILED: "its undo failed",
}


def undo_went(undo: StepState) -> str:
    """UNDONE on every host it went to; IN_PART where it undid some and was refused on, or
    stopped before, the others; REFUSED where it was refused on every host (nothing
    changed); FAILED where it failed, or its outcome is unknown, somewhere."""
    if undo.status.finished:
        return UNDONE
    if undo.status is StepStatus.REFUSED or undo.status.between_waves:
        hosts = undo.hosts.values()
        return IN_PART if any(r.status is HostStatus.SUCCEEDED for r in hosts) else REFUSED
    return FAILED


def undos_went(undos: Iterable[StepState]) -> str:
    """How the undos of an incident's steps went, the worst first: FAILED, IN_PART (also
    one step undone and another's undo refused), REFUSED, UNDONE; "" when none ran."""
    went = {undo_went(u) for u in undos}
    if not went or FAILED in went:
        return FAILED if went else ""
    if IN_PART in went or went == {UNDONE, REFUSED}:
        return IN_PART
    return REFUSED if REFUSED in went else UNDONE
