"""What Enter does on the checklist's current step, in words: run it, or why not and
which key goes on (refused, undone, stopped or halted between waves, unknown hosts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.model.elsewhere import not_for
from console.model.kinds import done_by, no_verify
from console.model.out_of_order import not_done_before
from console.model.outcome import them
from console.model.procedure import Step, StepKind
from console.model.state import HostStatus, StepStatus
from console.model.status import HUNG_UP, PRECHECK_RAN
from console.ui.undo_first import undo_first_said

if TYPE_CHECKING:
    from console.ui.incident_view import IncidentView

DO_WORDS = {
    StepKind.MANUAL: "Enter confirms it is done",
    StepKind.COMMAND: "Enter runs it on the selected hosts",
    StepKind.STRATEGY: "Enter runs the strategy on the selected hosts",
    StepKind.NOTIFY: "Enter sends the status update",
    StepKind.FORM: "Enter opens the post-rollback form",
    StepKind.PROBE: "Enter checks the probes of the selected systems",
}
# Of a step with steps before it not done: Enter asks first (console/ui/out_of_order.py).
AHEAD_WORDS = {
    **DO_WORDS,
    StepKind.MANUAL: "Enter asks before confirming it done out of order",
    StepKind.COMMAND: "Enter asks before running it out of order",
    StepKind.STRATEGY: "Enter asks before running it out of order",
    StepKind.NOTIFY: "Enter asks before sending it out of order",
    StepKind.PROBE: "Enter asks before checking the probes out of order",
}


def enter_does(incident: IncidentView, step: Step) -> str:
    """What Enter does on `step`, which is not the current one: it asks first where steps
    before it are not done."""
    ahead = not_done_before(incident.order, incident.state, step.id)
    return (AHEAD_WORDS if ahead else DO_WORDS)[step.kind]


def current_todo(incident: IncidentView, current: Step, key: Callable[[str], str]) -> str:
    """What Enter does on `current`, the step the procedure is at (`key` names a key)."""
    if incident.state.step(current.id).status is StepStatus.REFUSED:
        skip = key("checklist.skip")
        return f"Refused at the precheck: a run would be refused again; {skip} skips it"
    if undo := incident.state.undone(current.id):  # current again
        done = done_by(incident.settings, incident.state, current)
        if undo.status.between_waves:  # none failed; the later waves' hosts not started
            return (
                f"Undo stopped between its waves ({undo.summary}): the hosts not started"
                f" are still {done}; {key('execution.retry')} on the execution screen goes"
                f" on with them. {DO_WORDS[current.kind]} again"
            )
        if undo.status is StepStatus.UNKNOWN:  # a host lost mid-undo, none failed
            return (
                f"Undo's outcome unknown ({undo.summary}): the hosts may still be {done};"
                f" {key('go.execution')}, then {unknown_way_on(incident, undo.id, key)}"
            )
        if not undo.status.finished:  # it failed somewhere: nothing says it is back
            return (
                f"Undo failed ({undo.summary}): the hosts may still be {done};"
                f" {key('go.execution')} shows why."
                f" {DO_WORDS[current.kind]} again"
            )
        ran = incident.state.step(current.id).hosts.values()
        # Seen: a restore that failed on every host, undone, read "no longer rolled back".
        if any(r.status is HostStatus.SUCCEEDED for r in ran):
            return f"Undone: the hosts are no longer {done}. {DO_WORDS[current.kind]} again"
        return f"Undone: what the failed run changed is put back. {DO_WORDS[current.kind]} again"
    st = incident.state.step(current.id)
    first = undo_first_said(key, incident.state, current.id, here=True)
    if st.status is StepStatus.FAILED and first:
        # Seen: "Enter runs the strategy" under a restore that did not finish, whose next
        # precheck refuses it until the undo has put the data directory back.
        return f"Failed: {first}"
    if st.status is StepStatus.HELD and st.held and not _not_started(incident, current):
        # Seen: "Enter runs the strategy on the selected hosts" under a re-enable held at
        # 25 % by a probe, where Enter goes on with the next stage (or u undoes it).
        where = st.held.said(unit="%")
        return (
            f"{where[:1].upper()}{where[1:]}. Once the cause is dealt with, Enter goes on with"
            f" {st.held.next_percent}%; {key('checklist.undo')} undoes it"
        )
    if waiting := _not_started(incident, current):
        if incident.state.step(current.id).status is StepStatus.FAILED:
            return (  # halted by its failures, not stopped by a no between waves
                f"Halted by failures, {waiting} not started: {key('go.execution')}"
                f" then {key('execution.retry')} retries the failed with them"
                " (Enter runs every host)"
            )
        held = sum(1 for r in st.hosts.values() if r.status is HostStatus.HELD)
        # A re-enable stopped between a stage's waves: its retry takes the held ones too.
        how = (
            f"runs them from the first stage, with the {held} held" if held else "goes on with them"
        )
        if st.status is StepStatus.HALTED and st.halted:  # a probe read bad: why, first
            return (
                f"Halted, {waiting} not started: {st.halted}. Once the cause is dealt with,"
                f" {key('go.execution')} then {key('execution.retry')} {how}"
                " (Enter runs every host)"
            )
        # A headless run whose terminal closed stopped them, in their wave (some after
        # their precheck): it read "Stopped between waves".
        idle = {r.detail or "" for r in st.hosts.values() if r.status is HostStatus.NOT_STARTED}
        hung_up = all(w.startswith(HUNG_UP) or w.endswith(PRECHECK_RAN) for w in idle)
        whys = {w.removeprefix(HUNG_UP).removesuffix(PRECHECK_RAN) for w in idle}
        why = f" ({whys.pop()})" if hung_up and len(whys) == 1 else " between waves"
        return (
            f"Stopped{why}, {waiting} not started: {key('go.execution')}"
            f" then {key('execution.retry')} {how} (Enter runs every host)"
        )
    if unknown_said := unknown_way_on(incident, current.id, key):  # Enter is refused
        return f"{unknown_said}, then Enter"
    if not_for(incident.settings, incident.state, current):  # another system's strategy
        return "Not for this incident's systems: Enter skips it, saying why; nothing is sent"
    return DO_WORDS[current.kind]


def unknown_way_on(incident: IncidentView, step_id: str, key: Callable[[str], str]) -> str:
    """`Unknown on web-2: v verifies it, r retries only it`: the hosts of the step whose
    outcome is unknown and the keys that settle them; "" when there are none."""
    if not (unknown := incident.state.step(step_id).unknown()):
        return ""
    hosts = ", ".join(unknown[:2]) + (f" +{len(unknown) - 2}" if unknown[2:] else "")
    verifies = f"{key('resume.verify')} verifies {them(unknown)}"
    if no_verify(incident.settings, incident.state, step_id):
        verifies = f"no verify: check by hand ({key('resume.verify')}: still running?)"
    return f"Unknown on {hosts}: {verifies}, {key('resume.retry')} retries only {them(unknown)}"


def _not_started(incident: IncidentView, step: Step) -> str:
    """The hosts of a step cut short, or stopped, between waves that no wave has
    started, with none whose outcome is unknown: named, or "" when there are none."""
    st = incident.state.step(step.id)
    if st.status.finished or step.id in incident.running or st.unknown():
        return ""
    idle = [h for h, r in st.hosts.items() if r.status is HostStatus.NOT_STARTED]
    return ", ".join(idle[:2]) + (f" +{len(idle) - 2}" if idle[2:] else "")
