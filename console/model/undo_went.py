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
    from console.model.state import IncidentState
    from console.model.step_state import StepState

UNDONE, IN_PART, REFUSED, FAILED = "undone", "in part", "refused", "failed"
# Started and not ended (running, or its process gone), and held between the stages of a
# gradual re-enable: neither failed (`list` said "an undo failed since" of both).
RUNNING, HELD = "not ended", "held"
# Ended with a host's outcome unknown (its connection lost mid-undo), none failed: back as
# before the step there, or not, until checked by hand (it read "its undo failed").
UNKNOWN = "unknown"

# After the outcome of a closed incident: `rolled back, an undo refused since`.
SINCE = {
    UNDONE: "undone since",
    IN_PART: "undone in part since",
    REFUSED: "an undo refused since",
    FAILED: "an undo failed since",
    UNKNOWN: "an undo's outcome unknown since (verify by hand)",
    RUNNING: "an undo started since, not ended",
    HELD: "an undo held between stages since",
}

# Of a step whose undo ran, as the checklist says it of the highlighted step.
SAID = {
    UNDONE: "undone",
    IN_PART: "undone on some hosts, refused or not reached on the others",
    REFUSED: "its undo refused on every host, nothing changed there",
    FAILED: "its undo failed",
    UNKNOWN: "its undo's outcome unknown: check by hand before retrying",
    RUNNING: "its undo started, not ended",
    HELD: "its undo held between stages",
}


def undo_since(state: IncidentState, step_id: str) -> StepState | None:
    """The step's undo since the step last ran: ended (`state.undone`), or started and not
    ended (running, or its process gone)."""
    if (undo := state.undone(step_id)) is not None:
        return undo
    undo, ran = state.steps.get(f"{step_id}.undo"), state.steps.get(step_id)
    if undo is None or undo.status is not StepStatus.RUNNING or undo.restarted is None:
        return None
    ran_since = ran is not None and max(ran.finished_seq, ran.restarted_seq) > undo.restarted_seq
    return None if ran_since else undo


def undo_went(undo: StepState) -> str:
    """UNDONE on every host it went to; IN_PART where it undid some and was refused on, or
    stopped before, the others; REFUSED where it was refused on every host (nothing
    changed); RUNNING while it has no end on record (a retry of a failed one too); HELD
    between a gradual re-enable's stages; UNKNOWN where a host's outcome is unknown and
    none failed; FAILED where it failed somewhere."""
    if undo.status is StepStatus.RUNNING:
        return RUNNING
    if undo.status is StepStatus.UNKNOWN:
        return UNKNOWN
    if undo.status is StepStatus.HELD:
        return HELD
    if undo.status.finished:
        return UNDONE
    if undo.status is StepStatus.REFUSED or undo.status.between_waves:
        hosts = undo.hosts.values()
        return IN_PART if any(r.status is HostStatus.SUCCEEDED for r in hosts) else REFUSED
    return FAILED


def undos_went(undos: Iterable[StepState]) -> str:
    """How the undos of an incident's steps went, the worst first: FAILED, UNKNOWN, RUNNING, HELD,
    IN_PART (also one step undone and another's undo refused), REFUSED, UNDONE; "" when
    none ran."""
    went = {undo_went(u) for u in undos}
    if not went:
        return ""
    if worst := next((w for w in (FAILED, UNKNOWN, RUNNING, HELD) if w in went), None):
        return worst
    if IN_PART in went or went == {UNDONE, REFUSED}:
        return IN_PART
    return REFUSED if REFUSED in went else UNDONE
