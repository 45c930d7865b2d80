"""Each host's latest outcome, folded from the incident: what `--json` results, notify
updates and the exported document all report (light: no export models imported)."""

from __future__ import annotations

from typing import Any

from console.journal.times import utc
from console.model.state import IncidentState
from console.model.status import HostStatus
from console.model.step_state import NEEDED_NOTHING


def host_summary(state: IncidentState) -> dict[str, dict[str, Any]]:
    """Each selected host's latest outcome, and whether it is known; a host that needed
    nothing (its precheck refused it in a step done on the others) says so, with why, as
    the document's table does: it read `refused` in a rolled-back incident's `run --json`
    and status updates (and `succeeded` at `verify` once the stability check read it)."""
    out = {}
    for host, system in state.hosts.items():
        step, run = state.standing_run(host) or (None, None)
        status = run.status if run else HostStatus.PENDING
        said, detail = status.value, run.detail if run else None
        if run is not None and (needed := state.needed_nothing(host)):
            (step, detail), said = needed, NEEDED_NOTHING
        out[host] = {
            "system": system,
            "status": said,
            "known": status not in (HostStatus.UNKNOWN, HostStatus.RUNNING),
            "step": step,
            "failure": run.failure.value if run and run.failure else None,
            "exit_status": run.exit_status if run else None,
            "detail": detail,
        }
    return out


def commander_said(state: IncidentState) -> str:
    """Who commands the incident, as a status update names them: `rbbob`, or after a
    hand-over `rbbob (took command from rbalice at 2026-12-04 22:26:01 UTC: shift change)`,
    `rbbob (handed over by rbalice at ...: shift change)` where rbalice's console recorded
    it (hand_over_said)."""
    if (last := _last_hand_over(state)) is None:
        return state.commander or ""
    name, whom, handed = last
    return f"{name} ({'handed over by' if handed else 'took command from'} {whom})"


def hand_over_said(state: IncidentState) -> str:
    """The last hand-over, as the list says it: `rbbob took command from rbalice at
    2026-12-04 22:26:01 UTC: shift change` (with its reason, when one was given: a status
    update after a hand-over said neither why nor, in the list, from whom), or, recorded by
    the console that handed command over (asked for, or to a name typed there), `Handed over
    to rbbob by rbalice at ...: shift change`, as the home screen says it to rbbob: it read
    "rbbob took command" of a command nobody had taken. "" when command never changed
    hands."""
    if (last := _last_hand_over(state)) is None:
        return ""
    name, whom, handed = last
    return f"Handed over to {name} by {whom}" if handed else f"{name} took command from {whom}"


def _last_hand_over(state: IncidentState) -> tuple[str, str, bool] | None:
    """The last commander, `rbalice at TIME: REASON` (from whom, when, why), and whether
    the one who handed it over recorded it (else the new commander took it: its event is
    recorded under their own account)."""
    if len(state.commanders) < 2:
        return None
    now, before = state.commanders[-1], state.commanders[-2]
    reason = f": {now['reason']}" if now.get("reason") else ""
    whom = f"{now.get('from') or before['name']} at {utc(now['since'])}{reason}"
    handed = "from" in now and now.get("by") != str(now["name"]).split("@")[0]
    return str(now["name"]), whom, handed
