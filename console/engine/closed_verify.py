"""The verify by hand of a closed incident (`verify ID`): the step's verify, rendered as
its V would send it (the incident's strategy and parameters, the stage each attempt
stopped in), on the hosts its close left unknown; run as an incident of its own, under
the locks that close kept."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.engine.attempts import check_attempt, verify_commands
from console.engine.errors import ProcedureError
from console.engine.plan import Planned, Secrets
from console.engine.run_plan import RunPlan
from console.engine.targets import Target
from console.model.events import Kind
from console.model.invocation import again
from console.model.recovery import stop_said
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState
from console.model.status import FailureClass, settled
from console.model.step_state import HostRun
from console.model.templates import Redact, RenderedCommand

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.journal.event_log import EventLog


@dataclass(frozen=True)
class StepVerify:
    """One step of the closed incident: its verify for each of its unknown hosts."""

    step: str
    title: str
    planned: Planned
    commands: dict[str, tuple[str, RenderedCommand]]  # host: (stage, command)
    attempts: dict[str, tuple[str | None, bool]]  # host: (its attempt's token, on jump host)

    def stages(self, target: Target) -> list[tuple[str, RenderedCommand]]:
        return [self.commands[target.name]]


@dataclass(frozen=True)
class VerifyPlan:
    """What `verify` runs: the closed incident, and its steps' verifies."""

    incident: str
    journal: Path
    closed_as: str
    steps: list[StepVerify]

    @property
    def hosts(self) -> list[str]:
        return sorted(h for s in self.steps for h in s.commands)

    @property
    def systems(self) -> list[str]:
        return sorted({t.system for s in self.steps for t in s.planned.targets})


def instead(journal: Path, systems: list[str], hosts: list[str]) -> str:
    """What to do where there is no verify command to run."""
    systems_, hosts_ = ",".join(systems), ",".join(hosts)
    return (
        "check it by hand with a command that tells whether the change was made there:"
        f" {again(f'exec --take-over-lock REASON --systems {systems_} --hosts {hosts_}')}"
        " 'COMMAND'; then note what you found in the incident"
        f" ({again(f'resume {where(journal)}')}, then n)"
    )


def where(journal: Path) -> str:
    """The incident's directory, as a command line names it."""
    return shlex.quote(str(journal.parent))


def verify_again(journal: Path) -> str:
    """`rollback-console verify DIR`: V's verify of an open incident's hosts left unknown,
    headless (its directory: found wherever it was journalled)."""
    return again(f"verify {where(journal)}")


def settle_headless(journal: Path) -> str:
    """What settles an open incident's hosts left unknown, said by a headless command
    (the console's keys are of no use there): the verify, from the command line."""
    return f"{verify_again(journal)} (the step's verify there, in this incident)"


def plan_verify(
    settings: Settings, state: IncidentState, journal: Path, only: list[str], redact: Redact
) -> VerifyPlan:
    """The verifies to run, checked and rendered before any lock is claimed; refused
    (ProcedureError, one line) when the incident left no host unknown (at its close; an
    open one: now), `only` names another host, or its step has no verify command. An
    open incident (a run or a console that ended with hosts unknown) is verified in
    itself, as V does (`headless.verify.run_verify_open`). `redact`: the incident's
    (config_kept.incident_redactor), which makes each command's shown form."""
    incident = state.incident_id or journal.parent.name
    if state.closed:
        unknown, at = state.unknown_at_close, "at its close"
    else:  # left open by a run or a console that ended: V's verify, headless; a host
        # still running in its journal (the run was killed) is unknown once resumed
        ended = (HostStatus.UNKNOWN, HostStatus.RUNNING)
        unknown, at = sorted({h for s in ended for _, h in state.hosts_with(s)}), "now"
    if not unknown and state.closed:
        raise ProcedureError(
            f"incident {incident} left no host unknown at its close"
            f" ({state.outcome_label or state.outcome}): there is nothing to verify"
        )
    if not unknown:
        raise ProcedureError(
            f"incident {incident} is open and no host's outcome is unknown there: there is"
            f" nothing to verify (to go on with it: {again(f'resume {where(journal)}')})"
        )
    if outside := [h for h in only if h not in unknown]:
        raise ProcedureError(
            f"--hosts {', '.join(outside)}: not left unknown by incident {incident}"
            f" (unknown {at}: {', '.join(unknown)})"
        )
    hosts = [h for h in unknown if not only or h in only]
    known = set(settings.inventory.host_names)
    if missing := [h for h in hosts if h not in known]:
        raise ProcedureError(
            f"host(s) {', '.join(missing)} of incident {incident} are not in this"
            " configuration's inventory: verify it with the configuration it ran with"
            " (--config DIR)"
        )
    systems = sorted({settings.inventory.system_of(h).name for h in hosts})
    pairs = [
        (s, h)
        for status in (HostStatus.UNKNOWN, HostStatus.RUNNING)
        for s, h in state.hosts_with(status)
        if h in hosts
    ]
    if nowhere := [h for h in hosts if h not in {h for _, h in pairs}]:
        raise ProcedureError(
            f"incident {incident}: no step on record left {', '.join(nowhere)} unknown:"
            f" {instead(journal, systems, nowhere)}"
        )
    secrets = Secrets(redact)
    steps = []
    for step_id in dict.fromkeys(s for s, _ in pairs):
        waiting = [h for s, h in pairs if s == step_id]
        found = verify_commands(settings, state, secrets, step_id, waiting)
        if isinstance(found, str):
            raise ProcedureError(
                f"incident {incident}: {found} (step {step_id!r} on {', '.join(waiting)}):"
                f" {instead(journal, systems, waiting)}"
            )
        planned, commands = found
        runs = state.step(step_id).hosts
        attempts = {h: (runs[h].token, runs[h].on_jump_host) for h in commands}
        title = settings.procedure.step(step_id).title
        steps.append(StepVerify(step_id, title, planned, commands, attempts))
    return VerifyPlan(incident, journal, state.outcome_label or state.outcome or "", steps)


async def run_verify(
    conductor: Conductor,
    plan: VerifyPlan,
    closed: tuple[list[dict[str, Any]], EventLog] | None = None,
) -> dict[str, str]:
    """Run each step's verify in the verifying incident (`conductor`), a step of its own
    each, after asking each host whether the closed incident's attempt still runs
    there (journalled; such a host is sent nothing). Per host, what was found: `verified:
    succeeded`, `verified: failed` (the verify said the change is not there), or `not
    verified: ...` (its outcome still unknown); on a data-touching step, then the data
    after, recorded (judged against the before and expectation of the `closed` incident's
    integrity records and output) and said: rows, what it was restored to, where a
    recovery stopped."""
    found: dict[str, str] = {}
    for number, verify in enumerate(plan.steps, start=1):
        step_id = f"verify-{number}"
        targets = {t.name: t for t in verify.planned.targets}
        checks = await asyncio.gather(
            *(
                check_attempt(conductor, step_id, targets[h], *verify.attempts[h])
                for h in verify.commands
            )
        )
        for check in checks:
            conductor.recorder.record(
                Kind.ATTEMPT_CHECKED,
                step=step_id,
                host=check.host,
                system=targets[check.host].system,
                token=check.token,
                running=check.running,
                processes=check.processes[:20],
                detail=check.detail,
            )
            if check.running:
                found[check.host] = (
                    f"not verified: the earlier attempt of incident {plan.incident} still runs"
                    " there (stop it, or wait for it, then verify again)"
                )
        ready = [t for t in verify.planned.targets if t.name not in found]
        if not ready:
            continue
        title = f"Verify by hand: {verify.title} (incident {plan.incident})"
        data = {"title": title, "phase": "adhoc"}
        conductor.recorder.record(
            Kind.STEP_STARTED, step=step_id, hosts=[t.name for t in ready], adhoc=True, **data
        )
        sent = verify.planned.run
        run = RunPlan(timeout=sent.timeout, on_jump_host=sent.on_jump_host)
        watch: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
        strategy = verify.planned.strategy
        if closed is not None and strategy is not None and strategy.data_touching:
            from console.engine.integrity import IntegrityWatch

            names = [t.name for t in ready]
            watch = IntegrityWatch(conductor.recorder, step_id, strategy.name).carry_on(
                names, closed[0], closed[1], step=verify.step
            )
        with conductor.activity.running({step_id}), watch:
            outcomes = await conductor.runner.run(step_id, ready, verify.stages, plan=run)
        conductor.execution.complete(step_id, outcomes, data)
        runs = conductor.state.step(step_id).hosts
        for target in ready:
            after = data_after(conductor.state.integrity, step_id, target.name)
            found[target.name] = verdict(runs.get(target.name)) + after
    return found


def data_after(records: list[dict[str, Any]], step: str, host: str) -> str:
    """`; data after: orders=3 (match); restored to ...; recovery stopped ...`: the after
    record the verify made of `host`, in words; empty without one."""
    afters = [r for r in records if (r["step"], r["host"], r["stage"]) == (step, host, "after")]
    if not afters:
        return ""
    r = afters[-1]
    values = [f"{t}={n}" for t, n in sorted((r.get("rows") or {}).items())]
    if r.get("absent"):
        values.append(f"no such table: {', '.join(r['absent'])}")
    rows = ", ".join(values)
    judged = r["verdict"] + (f": {r['detail']}" if r.get("detail") else "")
    where = f" in database {r['database']}" if r.get("database") else ""
    said = f"; data after{where}: {rows or 'nothing measured'} ({judged})"
    if r.get("restored"):
        said += f"; restored to {r['restored']}"
    if stop := r.get("recovery"):
        said += f"; recovery stopped {stop_said(stop['stopped'])} (timeline {stop['timeline']})"
    return said


NONZERO = FailureClass.NONZERO_EXIT


def verdict(run: HostRun | None) -> str:
    """What a verify found on a host, as its record reads: its exit status answers (0:
    the change is there; another: it is not), unless the change is still under way (75:
    unknown) or the verify did not run to its end (unreachable, timeout, connection
    lost): then nobody knows yet."""
    if run is not None and run.status is HostStatus.SUCCEEDED:
        return "verified: succeeded (the step's verify found the change made)"
    if run is not None and (run.status, run.failure) == (HostStatus.FAILED, NONZERO):
        return (
            "verified: failed (the step's verify found the change not made: exit"
            f" {run.exit_status})"
        )
    why = (run.detail or (run.failure.value if run.failure else "")) if run else ""
    return f"not verified: {why or 'it did not run'}"


def answered(found: str) -> bool:
    """Whether `run_verify` (or V) settled the host (succeeded or failed)."""
    return settled(found)
