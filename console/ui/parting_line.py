"""The one line the terminal is left with once the console has quit: the incident, how it
stands (closed, and how; or open, where, and what was left unsettled), and how to take it
up again."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from console.engine.closing import TAKE_OVER
from console.engine.kept_locks import drill_faults_left, fault_kept_said, locks_of
from console.model.drillfold import cut_short
from console.model.invocation import again
from console.model.outcome import kept_at_close
from console.model.status import HostStatus, StepStatus
from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.ui.quitting import Quitting

# Steps that ran and did not end well, nor are running: what the commander left behind.
UNSETTLED = (
    StepStatus.FAILED,
    StepStatus.HELD,
    StepStatus.REFUSED,
    StepStatus.STOPPED,
    StepStatus.HALTED,
)


def parting_line(quitting: Quitting) -> str:
    """One line, printed when the console has quit: the incident, how it stands, and
    how to take it up again."""
    conductor = quitting.app.conductor
    if quitting.left_declaring:  # a new incident: nothing of it is recorded
        return _declaration_left(quitting, conductor)
    if conductor is None:
        return "rollback-console: no incident was open"
    return _incident_line(quitting, conductor)


def keys_left(keys: list[dict[str, Any]]) -> str:
    """The host keys accepted while declaring, which no incident records yet."""
    if not keys:
        return ""
    hosts = ", ".join(dict.fromkeys(str(k.get("host", "?")) for k in keys))
    return (
        f", nor the host key you accepted for {hosts}: it stays in known_hosts, with no"
        " record of who accepted it"
    )


def _declaration_left(quitting: Quitting, earlier: Conductor | None) -> str:
    """Quit while declaring a new incident: that nothing of it was recorded; then the
    line of the incident attached before it only if it still holds something (open,
    or closed keeping locks), never a closed one's line as if it had just been left."""
    keys = keys_left(quitting.app.lifecycle.unrecorded_keys)
    line = f"rollback-console: the incident being declared was not recorded{keys}"
    if earlier is None:
        return line
    state = earlier.state
    if state.closed and not (earlier.locks_kept and state.unknown_at_close):
        return line
    return f"{line}\nearlier: {_incident_line(quitting, earlier)}"


def how_to_resume(conductor: Conductor) -> str:
    path = conductor.recorder.path.parent  # its directory, as the dialog says
    return f"resume with: {again(f'resume {shlex.quote(str(path))}')}"


def _incident_line(quitting: Quitting, conductor: Conductor) -> str:
    """The incident `conductor` drives: closed (how), or open (where), and how to
    take it up again."""
    state = conductor.state
    if state.closed:
        kept, unknown = conductor.locks_kept, state.unknown_at_close
        commands = state.left_by_commands(unknown)
        for_unknown = locks_of(kept, state, unknown) if unknown else []
        held = (
            f"; {kept_at_close(for_unknown, unknown, state.incident_id, commands)}"
            if for_unknown
            else ""
        )
        faults = drill_faults_left(state)[1] if kept else []  # a drill's, with hosts unknown too
        if faults and (systems := locks_of(kept, state, faults)):
            held += f"; {fault_kept_said(systems, faults)}"  # this console has quit: it can run
        from console.ui.lifecycle import changed_left

        left = "".join(f"; {line}" for line in changed_left(conductor))
        return (
            f"{state.incident_id}: closed, {state.outcome_label}{held}{left};"
            f" to amend, {how_to_resume(conductor)}"
        )
    current = conductor.current()
    where = (
        f"step {conductor.order.index(current.id) + 1} of {len(conductor.order)} ({current.title})"
        if current
        else "every step done, not closed"
    )
    in_flight = (HostStatus.RUNNING, HostStatus.UNKNOWN)
    unknown = sorted(
        {h for st in state.steps.values() for h, r in st.hosts.items() if r.status in in_flight}
    )
    verify = f"; verify {', '.join(unknown)} first" if unknown else ""
    ended = f"{quitting.ended_by}: " if quitting.ended_by else ""
    kept = conductor.locks_kept
    held = f"; its locks held ({', '.join(kept)}): {TAKE_OVER}" if kept else ""
    if stuck := conductor.locking.stuck_said():  # let go of, their files left
        held = f"{held}; {stuck}"
    left = "".join(
        f"; “{visible(conductor.step(sid).title, one_line=True)}” {st.status.value}"
        + (f" ({st.summary})" if st.summary else "")
        for sid in conductor.order
        if (st := state.steps.get(sid)) is not None and st.status in UNSETTLED
    )
    if short := cut_short(state):  # its faults, never undone: said as loudly as here
        left += f"; {short}"
    how = how_to_resume(conductor)
    if quitting.handed_to:  # theirs from here: this account only watches it
        how = f"{quitting.handed_to} goes on with it; follow it: {again(f'follow {state.incident_id}')}"
    return f"{ended}{state.incident_id}: open at {where}{left}{verify}{held}; {how}"
