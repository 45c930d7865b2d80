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
    hand-over `rbbob (took command from rbalice at 2026-12-04 22:26:01 UTC: shift change)`."""
    took = took_command(state)
    return f"{state.commanders[-1]['name']} ({took})" if took else state.commander or ""


def took_command(state: IncidentState) -> str:
    """The last hand-over, as the list and status updates say it: `took command from
    rbalice at 2026-12-04 22:26:01 UTC: shift change` (with its reason, when one was
    given: a status update after a hand-over said neither why nor, in the list, from
    whom); "" when command never changed hands."""
    if len(state.commanders) < 2:
        return ""
    now, before = state.commanders[-1], state.commanders[-2]
    reason = f": {now['reason']}" if now.get("reason") else ""
    return f"took command from {now.get('from') or before['name']} at {utc(now['since'])}{reason}"
