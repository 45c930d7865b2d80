"""A drill judged from its journal, pure: the outcome it had against the one expected,
each system's recovery time against its target (from the injected fault), the data's
integrity, whether the trigger was detected, and whether the stage was set and cleared.
The verdict is what `drill.judged` records and every report prints."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from console.model.drills import DrillOutcome, Scenario
from console.model.integrity_judged import not_judged, restored_to
from console.model.recovery import NO_CHECK, TARGET_EXCEEDED, Recovery, recovery_verdict
from console.model.state import HostStatus, IncidentState
from console.model.status import FailureClass
from console.model.step_state import (
    AFTER_STEP,
    BASELINE_STEP,
    FAULT_STEP,
    HostRun,
    refused_words,
)
from console.model.visible import clip, visible

BAD_INTEGRITY = ("mismatch", "missing")
NEVER_RAN = "the rollback never ran: the drill's stage could not be set"


def actual_outcome(state: IncidentState, strategy_steps: list[str], ok: bool) -> DrillOutcome:
    """How the rollback ended: verified when the walk succeeded; else refused by a
    precheck (its command said no, or nothing to do), halted by the failure threshold,
    unverified (every host rolled back, stability not verified), partial (some hosts
    rolled back) or failed. A refusal comes before the halt it caused: since a threshold
    crossed with every host started halts nothing (1435b45c), whether the prechecks'
    failures held a host back is the race of its dialling (seen: the demo's web-fail
    drill, two of three hosts refused, read halted on a loaded machine and failed)."""
    if ok:
        return DrillOutcome.VERIFIED
    halted = any(h.get("step") in strategy_steps for h in state.halts)
    # A host refused where the step was done on the others needed nothing: it is where
    # the rollback leaves it, as a host rolled back is.
    needed = {(s, h) for s in strategy_steps for h in state.step(s).needed_nothing()}
    runs = [
        dataclasses.replace(r, status=HostStatus.SUCCEEDED) if (s, r.host) in needed else r
        for s in strategy_steps
        for r in state.step(s).hosts.values()
    ]
    if any(
        r.status is HostStatus.REFUSED
        or (
            r.status is HostStatus.FAILED
            and r.stage == "precheck"
            and r.failure is FailureClass.NONZERO_EXIT
        )
        for r in runs
    ):
        return DrillOutcome.REFUSED
    if halted:
        return DrillOutcome.HALTED
    if runs and all(r.status is HostStatus.SUCCEEDED for r in runs):
        return DrillOutcome.UNVERIFIED
    if any(r.status is HostStatus.SUCCEEDED for r in runs):
        return DrillOutcome.PARTIAL
    return DrillOutcome.FAILED


def _why(state: IncidentState, outcome: DrillOutcome, strategy_steps: list[str]) -> str:
    """What the prechecks said, where they refused: the report said `got refused by a
    precheck` alone, where the hosts were where an earlier drill's rollback had left them
    (a drill undoes its faults, not its rollback), which the refusal names."""
    if outcome in (DrillOutcome.HALTED, DrillOutcome.FAILED, DrillOutcome.PARTIAL):
        return _failed_where(state, strategy_steps)
    if outcome is not DrillOutcome.REFUSED:
        return ""
    refused = {h: why for s in strategy_steps for h, why in state.step(s).refused().items()}
    said = f" {refused_words(refused).removeprefix('refused at the precheck ')}" if refused else ""
    # a precheck that failed (exit 3: a backup it refused, a bindir not set) says why too
    return said + _failed_where(state, strategy_steps)


def _failed_where(state: IncidentState, strategy_steps: list[str], shown: int = 3) -> str:
    """Where the strategy failed, and why (` (failed on web-2 at verify: exit status 1)`):
    the report said `got halted by the failure threshold` alone, which host and what it
    said only in the log above it."""
    failed = [
        (host, run)
        for step in strategy_steps
        for host, run in sorted(state.step(step).hosts.items())
        if run.status is HostStatus.FAILED
    ]
    said = []
    for host, run in failed[:shown]:
        how = f"exit status {run.exit_status}" if run.exit_status is not None else ""
        how = how or (run.failure.value if run.failure else "")
        words = visible(run.last_error or "", one_line=True)  # its stderr: its own words
        said.append(" ".join([f"{host} at {run.stage}:" if run.stage else f"{host}:", how]))
        said[-1] += f": {clip(words, 80)}" if words else ""
    more = f"; +{len(failed) - shown} more" if len(failed) > shown else ""
    return f" (failed on {'; '.join(said)}{more})" if said else ""


def _recovery(
    state: IncidentState,
    scenario: Scenario,
    targets: dict[str, float | None],
    judged: bool,
    checks: bool,
    set_up: bool = True,
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each system's recovery time against its target. Without a stability check (a probe
    step) in the procedure nothing times it, though the strategy's verify may have verified
    the rollback: said so, not "stability was never verified" beside "rolled back and
    verified"."""
    out: dict[str, dict[str, Any]] = {}
    findings: list[str] = []
    for system in scenario.all_systems:
        target = targets.get(system)
        measured = state.recovery.get(system)
        seconds = measured.seconds if measured else None
        if not judged:
            verdict, ok = "not judged: the rollback was not expected to verify", True
        elif not set_up:  # it read "stability was never verified", as if it had been tried
            verdict, ok = f"not measured: {NEVER_RAN}", False
        elif seconds is None and not checks:
            verdict, ok = NO_CHECK, False
        elif seconds is None:
            verdict, ok = "not measured: stability was never verified", False
        else:
            verdict = recovery_verdict(seconds, target)
            ok = verdict != TARGET_EXCEEDED
        if not ok:
            findings.append(f"recovery of {system}: {verdict}")
        out[system] = {
            "seconds": seconds,
            "from": "fault" if any(f.get("at") for f in state.faults) else "trigger",
            "target_minutes": target,
            "verdict": verdict,
            "ok": ok,
            **_timed(measured),
        }
    return out, findings


def _timed(measured: Recovery | None) -> dict[str, Any]:
    """How its time was taken, where the wall clock alone does not say it: `wall_step`,
    the wall clock's step while it ran; `clock` wall, timed on the wall clock."""
    if measured is None:
        return {}
    timed: dict[str, Any] = {"clock": measured.clock} if measured.clock else {}
    if measured.wall_step is not None:
        timed["wall_step"] = measured.wall_step
    return timed


def _no_after(
    state: IncidentState, host: str, strategy_steps: list[str], setup: Sequence[str]
) -> str:
    """Why a host has no strategy record after (`after = "strategy"`), as what happened:
    it read "no record after the drill" where the rollback never ran (a fault that
    failed), as if the strategy had forgotten its records."""
    if setup:
        return NEVER_RAN
    runs = [state.step(s).hosts[host] for s in strategy_steps if host in state.step(s).hosts]
    run = next((r for r in runs if r.status is not HostStatus.NOT_STARTED), None)
    if run is None:
        return "the strategy never ran there"
    if run.status is HostStatus.REFUSED:
        return "its precheck refused there: nothing changed, nothing recorded after"
    if run.status is not HostStatus.SUCCEEDED:
        at = f" at {run.stage}" if run.stage else ""
        return f"the strategy {run.status.value} there{at}, before it recorded the data after"
    return ""  # it ran there and recorded none: "no record after the drill"


def _integrity(
    state: IncidentState, scenario: Scenario, strategy_steps: list[str], setup: Sequence[str]
) -> tuple[dict[str, Any], list[str]]:
    """Each integrity host's baseline and after, judged as the scenario says; every
    strategy integrity record that did not match counts against the drill too."""
    check = scenario.integrity
    records = state.integrity
    bad = [r for r in records if r.get("verdict") in BAD_INTEGRITY]
    findings = [
        f"integrity on {r.get('host')} ({r.get('step')}): {r.get('verdict')}"
        + (f": {r['detail']}" if r.get("detail") else "")
        for r in bad
    ]
    hosts: dict[str, dict[str, Any]] = {}
    unread: list[str] = []  # hosts the baseline was asked of that gave none
    if check is not None:
        judged_by = [AFTER_STEP] if check.after == "baseline" else strategy_steps
        for r in records:
            if r.get("step") == BASELINE_STEP:
                hosts.setdefault(r["host"], {})["baseline"] = _summary(r)
        asked = state.steps.get(BASELINE_STEP)
        unread = sorted(set(asked.hosts if asked else ()) - set(hosts))
        for r in records:
            # against the strategy: the drill's own check after too, measured as its
            # baseline was (the strategy's checksum is another measure of the same data)
            own = r.get("step") == AFTER_STEP and AFTER_STEP not in judged_by
            if own and r.get("host") in hosts and r.get("verdict") != "missing":
                hosts[r["host"]]["check"] = _summary(r)
            if r.get("host") in hosts and r.get("step") in judged_by and r.get("stage") == "after":
                hosts[r["host"]]["after"] = {
                    **_summary(r),
                    "verdict": r.get("verdict"),
                    "expected": r.get("expected"),
                }
        why_not: dict[str, list[str]] = {}  # each reason, its hosts
        for host, entry in sorted(hosts.items()):
            if "after" not in entry:
                why = _no_after(state, host, strategy_steps, setup)
                entry["unjudged"] = why or "no record after the drill"
                why_not.setdefault(why, []).append(host)
        findings += [
            f"integrity on {', '.join(named)}: "
            + (f"not judged: {why}" if why else "no record after the drill")
            for why, named in why_not.items()
        ]
    return {
        "after": check.after if check else None,
        "records": len(records),
        "mismatches": len(bad),  # with those missing: what the check could not read
        "not_judged": not_judged(records),  # the strategy's own records too
        "restored": restored_to(records),
        "missing": sum(r.get("verdict") == "missing" for r in bad),
        "hosts": hosts,
        # Seen: 'integrity  0 record(s), 0 mismatch(es) ✔' of a baseline no host gave.
        "no_baseline": unread,
        "ok": not findings and not unread,
    }, findings


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    return {"checksum": record.get("checksum"), "rows": dict(record.get("rows", {}))}


def _trigger(state: IncidentState, scenario: Scenario) -> tuple[dict[str, Any], list[str]]:
    declared = state.trigger
    actual = declared.kind if declared else None
    automatic = bool(declared and declared.automatic and declared.evidence)
    expected = scenario.trigger.value
    detect = scenario.trigger.automatic
    ok = actual == expected and (automatic or not detect)
    findings = []
    if not ok:
        how = "fired" if automatic else "declared by the drill"
        findings.append(
            f"trigger: expected {expected}"
            + (" to fire from its probe" if detect else "")
            + f", got {actual or 'none'} ({how})"
        )
    data = {"expected": expected, "actual": actual, "detected": automatic, "ok": ok}
    return data, findings


def _unknown(state: IncidentState) -> list[dict[str, str]]:
    """Each host whose outcome the drill left unknown, in which step, and why: a change
    may still run there, whatever the verdict."""
    said = {
        FailureClass.CONNECTION_LOST: "connection lost mid-command",
        None: "sent, no outcome on record",
    }
    return [
        {
            "host": host,
            "step": step,
            "why": said.get(
                state.step(step).hosts[host].failure,
                "its verify found the change still under way",
            ),
        }
        for step, host in state.unknown_hosts
    ]


def judge(
    state: IncidentState,
    scenario: Scenario,
    targets: dict[str, float | None],
    strategy_steps: list[str],
    ok: bool,
    setup: Sequence[str] = (),
    changing: Sequence[tuple[str, str]] = (),
    checks: bool = True,
) -> dict[str, Any]:
    """The drill's verdict: it passes only when everything matches what the scenario
    expects and the stage was set (`setup` lists what could not be) and cleared. `checks`:
    the procedure has a stability check (a probe step), which times the recovery."""
    outcome = actual_outcome(state, strategy_steps, ok) if not setup else DrillOutcome.FAILED
    expected = scenario.expect
    findings = list(setup)
    if outcome is not expected:
        findings.append(
            f"outcome: expected {expected.title}, got {outcome.title}{_why(state, outcome, strategy_steps)}"
        )
    trigger, found = _trigger(state, scenario)
    findings += found if not setup else []
    judged = expected is DrillOutcome.VERIFIED
    recovery, found = _recovery(state, scenario, targets, judged, checks, not setup)
    findings += found
    integrity, found = _integrity(state, scenario, strategy_steps, setup)
    findings += found
    faults = _faults(state)
    for fault in faults:
        undone = fault["undone"]
        if undone is not None and not undone.get("ok"):
            findings.append(f"fault {fault['name']} was not undone: {undone.get('detail')}")
    return {
        "scenario": scenario.name,
        "systems": scenario.all_systems,
        "passed": not findings,
        "expected": expected.value,
        "outcome": outcome.value,
        "trigger": trigger,
        "recovery": recovery,
        "integrity": integrity,
        "faults": faults,
        "findings": findings,
        "unknown": _unknown(state),
        "left": _left(state, changing),
    }


def _faults(state: IncidentState) -> list[dict[str, Any]]:
    """Each fault, its hosts and its undo; `set`: recorded in place on every host. One
    that is not also says where it was meant (`meant`) and where it is in place
    (`in_place`), from its step: its line said "on app-1, not set on every host" of a
    fault meant for app-1 alone that failed there, and of one in place on app-1 that
    never reached app-2 alike. A drill injects no fault after one that fell short, so the
    faults not set are, in order, the fault steps where a host did not succeed."""
    short = iter(
        state.steps[step]
        for step in sorted(
            (s for s in state.steps if s.removeprefix(f"{FAULT_STEP}-").isdigit()),
            key=lambda s: int(s.removeprefix(f"{FAULT_STEP}-")),
        )
        if any(r.status is not HostStatus.SUCCEEDED for r in state.steps[step].hosts.values())
    )
    faults = []
    for f in state.faults:
        fault = {"name": f.get("name"), "hosts": f.get("hosts", []), "undone": f.get("undone")}
        fault["set"] = bool(f.get("at"))
        if not fault["set"] and f.get("kind") != "demo" and (step := next(short, None)):
            fault["meant"] = step.targets or sorted(step.hosts)
            runs = step.hosts
            fault["in_place"] = [
                h for h in fault["meant"] if h in runs and runs[h].status is HostStatus.SUCCEEDED
            ]
        faults.append(fault)
    return faults


def _left(state: IncidentState, changing: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The procedure's steps that change hosts (`changing`: id, title) and were sent to
    some: the drill undoes its faults, never what the procedure did (deploy.lock...)."""
    left = []
    for step, title in changing:
        run = state.steps.get(step)
        hosts = sorted(h for h, r in run.hosts.items() if _ran(r)) if run else []
        if hosts:
            left.append({"step": step, "title": title, "hosts": hosts})
    return left


def _ran(run: HostRun) -> bool:
    """Whether the step's command was sent to the host: not where it never started, nor
    where the host was never reached (its connection refused: the host was down), nor
    where an abort came while it was being reached."""
    return run.status is not HostStatus.NOT_STARTED and not (
        run.nothing_sent() and run.attempt <= 1
    )
