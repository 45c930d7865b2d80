"""What a headless command prints with `--json`: one document with the verdict, the
per-host results and the journal's path, folded from the same events as everything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.journal.outcomes import host_summary
from console.model.drillfold import faults_left
from console.model.integrity_judged import not_judged
from console.model.outcome import Outcome
from console.model.recovery import TARGET_EXCEEDED
from console.model.state import IncidentState

SCHEMA = "rollback-console/result"
# A run's verdict when it did not roll back and verify, by how it was closed; else `failed`.
NOT_OK: dict[str, str] = {
    Outcome.UNVERIFIED: "rolled back, not verified",
    Outcome.REFUSED: "refused at the precheck where there was nothing to do; nothing changed on the refused hosts",
}
VERSION = 1


def envelope(command: str, ok: bool, exit_status: int, journal: Path | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "command": command,
        "ok": ok,
        "exit_status": exit_status,
        "journal": str(journal) if journal else None,
    }


def integrity_said(records: list[dict[str, Any]]) -> str:
    """`2 record(s), 0 mismatch(es); db-1 recorded, not judged (nothing was expected of its
    data after)`."""
    # A host recorded before its change and never after (a drill cut short after its
    # baseline) was compared with nothing: '2 record(s), 0 mismatch(es)' read as checked.
    after = {r.get("host") for r in records if r.get("stage") == "after"}
    before_only = list(
        dict.fromkeys(r.get("host") or "?" for r in records if r.get("host") not in after)
    )
    if not after:
        hosts = ", ".join(before_only)
        return f"{len(records)} record(s) before the change, nothing compared after ({hosts})"
    differ = sum(r.get("verdict") == "mismatch" for r in records)
    missing = sum(r.get("verdict") == "missing" for r in records)  # nothing read: said apart
    said = f"{len(records)} record(s), {differ} mismatch(es)"
    said += f", nothing compared after on {', '.join(before_only)}" if before_only else ""
    said += f", {missing} missing (not read)" if missing else ""
    if unjudged := not_judged(records):
        said += (
            f"; {', '.join(unjudged)} recorded, not judged (nothing was expected of its data after)"
        )
    return said


def drill_findings(state: IncidentState) -> tuple[bool, dict[str, Any]]:
    """A drill passes when recovery met every target and every integrity check matched."""
    recovery: dict[str, dict[str, Any]] = {}
    ok = True
    for system in state.systems:
        measured = state.recovery.get(system)
        if measured is None:
            recovery[system] = {"seconds": None, "rto_minutes": None, "verdict": "not measured"}
            ok = False
            continue
        recovery[system] = {
            "seconds": round(measured.seconds, 3),
            "rto_minutes": measured.rto_minutes,
            "verdict": measured.verdict,
        }
        ok = ok and measured.verdict != TARGET_EXCEEDED
    bad = [r for r in state.integrity if r.get("verdict") in ("mismatch", "missing")]
    integrity = {
        "records": len(state.integrity),
        "mismatches": len(bad),
        "not_judged": not_judged(state.integrity),
    }
    return ok and not bad, {"passed": ok and not bad, "recovery": recovery, "integrity": integrity}


def drill_failed(state: IncidentState) -> bool:
    """A drill judged failed: a scenario's verdict, or (closed) an ad-hoc drill's
    findings, its recovery over an RTO or its data mismatched: never a tick."""
    if state.drill_verdict is not None:
        return state.drill_verdict.get("passed") is False
    left = faults_left(state)  # a drill cut short, its faults still in place
    return state.drill and state.closed and (bool(left) or not drill_findings(state)[0])


def run_result(
    state: IncidentState,
    ok: bool,
    exit_status: int,
    journal: Path,
    drill: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`run` / `drill --json`; `integrity`: each data-touching step's records per host, as
    the document's JSON has them (before, after, expected, verdict, what it was restored
    to, where a recovery stopped)."""
    from console.journal.export.systems import build_integrity

    return {
        **envelope("drill" if drill is not None else "run", ok, exit_status, journal),
        "incident": state.incident_id,
        "verdict": _verdict(state, ok),
        "outcome": state.outcome,
        "closed": state.outcome_label,  # why, naming the problem: as the last line says it
        "strategy": state.strategy,
        "params": dict(state.params),  # as chosen last: a value the hosts resolved, pinned
        "systems": list(state.systems),
        "hosts": host_summary(state),
        "steps": {
            step_id: {"status": st.status.value, "summary": st.summary}
            for step_id, st in state.steps.items()
        },
        "notifications": notifications(state),
        "integrity": [c.model_dump(mode="json") for c in build_integrity(state)],
        **({"drill": drill} if drill is not None else {}),
    }


def _verdict(state: IncidentState, ok: bool) -> str:
    if ok:
        return "rolled back and verified"
    if not state.closed and state.unknown_hosts:  # run leaves it open: no outcome known
        return "outcome unknown: left open"
    return NOT_OK.get(state.outcome or "", "failed")


def notifications(state: IncidentState) -> list[dict[str, Any]]:
    """Each notification sent, in order: its channel, the step that sent it (none for
    PagerDuty's incident events: `event` names them), delivered (null: no answer was
    recorded) and what was said (no secret: the journal holds none)."""
    told = []
    for sent in state.notifications:
        result = sent.get("result") or {}
        told.append(
            {
                "channel": sent.get("channel"),
                "kind": sent.get("kind"),
                "step": sent.get("step"),
                "event": sent.get("action") if sent.get("lifecycle") else None,
                "repeat": sent.get("repeat") or 0,
                "delivered": result.get("ok") if result else None,
                "detail": result.get("detail"),
            }
        )
    return told


def refused_result(
    command: str, refusal: str, exit_status: int, journal: Path | None, holder: str = ""
) -> dict[str, Any]:
    """`run`, `drill` or `exec --json` refused before its commands ran: another incident
    holds a system (`holder`, exit status 3), or the request was refused (exit status 2)."""
    return {
        **envelope(command, False, exit_status, journal),
        "verdict": f"refused: {refusal}",
        "holder": holder or None,
    }


def probe_result(
    probes: list[dict[str, Any]], unreachable: list[str], exit_status: int
) -> dict[str, Any]:
    """`probe --json`: every probe's sample; no journal is written."""
    return {
        **envelope("probe", exit_status == 0, exit_status, None),
        "probes": probes,
        "unreachable": unreachable,
    }
