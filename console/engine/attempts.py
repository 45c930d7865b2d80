"""Earlier attempts on hosts whose outcome is unknown (the console died before it was
recorded): is the command still running there, stop it, verify the host. A retry never
starts a second copy beside a running one unless the commander chose to, having seen it.

Every command is sent tagged with its attempt's token (runner.supervised), and the
write-ahead intent records the token: `ps` on the host finds the tagged wrapper and,
through its process group, everything the command started."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.engine.cut_rollouts import hold_settled_rollout
from console.engine.errors import ProcedureError
from console.engine.failures import HostFailure, ssh_errors
from console.engine.notify import run_local
from console.engine.plan import Planned, Secrets, plan_step
from console.engine.run_plan import HostOutcome, RunPlan
from console.engine.supervisor import ATTEMPT_TAG, find_command, stop_command
from console.engine.targets import Target, targets_for
from console.model.events import Kind
from console.model.kinds import is_health, no_verify
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState
from console.model.status import UNENDED, UNENDED_VERIFY
from console.model.templates import RenderedCommand
from console.model.visible import clip, visible

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

CHECK_TIMEOUT = 20.0
SAID = 500  # characters of a failed verify's own line in V's verdict
SHOWN_PROCESSES = 20


@dataclass(frozen=True)
class AttemptCheck:
    """What a host said about the earlier attempt on one of its steps."""

    step: str
    host: str
    token: str | None
    running: bool | None  # None: could not tell (unreachable, untagged, ps failed)
    processes: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def groups(self) -> list[int]:
        """The process groups found (the second column of each line)."""
        found = {int(f[1]) for p in self.processes if len(f := p.split()) > 1 and f[1].isdigit()}
        return sorted(g for g in found if g > 1)

    @property
    def work(self) -> list[str]:
        """The processes doing the command's work first, its supervisor shells last."""
        return sorted(self.processes, key=lambda line: ATTEMPT_TAG in line)

    def describe(self) -> str:
        if self.running:
            return f"still running: {len(self.processes)} process(es)"
        if self.running is False:
            return "not running any more"
        return f"could not tell: {self.detail}"


async def _shell(
    conductor: Conductor, target: Target, on_jump_host: bool, command: str
) -> tuple[int | None, list[str], str | None]:
    """(exit status, stdout lines, error) of a short command on the host or the jump host."""
    if on_jump_host:
        result = await run_local(command, CHECK_TIMEOUT)
        return result.exit_status, result.lines, result.detail
    try:
        done = await conductor.pool.run(target, command, CHECK_TIMEOUT)
    except HostFailure as failure:
        return None, [], failure.detail
    except ssh_errors() as exc:  # TimeoutError is an OSError
        return None, [], str(exc) or type(exc).__name__
    out, err = done.stdout or "", done.stderr or ""
    assert isinstance(out, str) and isinstance(err, str)  # run() decodes UTF-8
    error = err.strip().splitlines()
    return done.exit_status, out.splitlines(), error[0] if error else ""


async def _check(conductor: Conductor, step: str, target: Target) -> AttemptCheck:
    run = conductor.state.step(step).hosts[target.name]
    return await check_attempt(conductor, step, target, run.token, run.on_jump_host)


async def check_attempt(
    conductor: Conductor, step: str, target: Target, token: str | None, on_jump_host: bool
) -> AttemptCheck:
    """Whether the attempt tagged `token` still runs on `target` (or on the jump host)."""
    if not token:
        why = "its intent carries no attempt token (recorded by an older console)"
        return AttemptCheck(step, target.name, None, None, [], why)
    status, lines, error = await _shell(conductor, target, on_jump_host, find_command(token))
    if status != 0:
        return AttemptCheck(step, target.name, token, None, [], error or f"exit {status}")
    found = [line.strip() for line in lines if line.strip()]
    return AttemptCheck(step, target.name, token, bool(found), found)


def unknown_on(conductor: Conductor, hosts: list[str] | None) -> list[tuple[str, str]]:
    return [(s, h) for s, h in conductor.state.unknown_hosts if not hosts or h in hosts]


async def check_attempts(conductor: Conductor, hosts: list[str] | None) -> list[AttemptCheck]:
    """Ask each unknown host (or those of `hosts`) whether its earlier attempt still
    runs; each answer is journalled."""
    pairs = unknown_on(conductor, hosts)
    targets = {t.name: t for t in targets_for(conductor.settings.inventory, [h for _, h in pairs])}
    checks = await asyncio.gather(*(_check(conductor, s, targets[h]) for s, h in pairs))
    for check in checks:
        conductor.recorder.record(
            Kind.ATTEMPT_CHECKED,
            step=check.step,
            host=check.host,
            system=targets[check.host].system,
            token=check.token,
            running=check.running,
            processes=check.processes[:SHOWN_PROCESSES],
            detail=check.detail,
        )
    return list(checks)


async def stop_attempts(conductor: Conductor, checks: list[AttemptCheck]) -> list[AttemptCheck]:
    """Stop the earlier attempts found running (TERM, then KILL), then look again."""
    conductor.lock_systems(conductor.state.systems)
    running = [c for c in checks if c.running and c.groups]
    targets = {
        t.name: t for t in targets_for(conductor.settings.inventory, [c.host for c in running])
    }

    async def stop(check: AttemptCheck) -> AttemptCheck:
        target = targets[check.host]
        on_jump_host = conductor.state.step(check.step).hosts[check.host].on_jump_host
        _, _, error = await _shell(conductor, target, on_jump_host, stop_command(check.groups))
        after = await _check(conductor, check.step, target)
        conductor.recorder.record(
            Kind.ATTEMPT_STOPPED,
            step=check.step,
            host=check.host,
            system=target.system,
            token=check.token,
            groups=check.groups,
            stopped=after.running is False,
            detail=error or after.describe(),
        )
        return after

    return list(await asyncio.gather(*(stop(c) for c in running)))


def _verify_commands(
    conductor: Conductor, step_id: str, hosts: list[str]
) -> str | tuple[Planned, dict[str, tuple[str, RenderedCommand]]]:
    return verify_commands(conductor.settings, conductor.state, conductor.secrets, step_id, hosts)


def verify_commands(
    settings: Settings, state: IncidentState, secrets: Secrets, step_id: str, hosts: list[str]
) -> str | tuple[Planned, dict[str, tuple[str, RenderedCommand]]]:
    """Per host, the step's verify as (stage, command), for the hosts given, rendered as
    V sends it (the incident's strategy and parameters, the stage its attempt stopped
    in); or why there is none."""
    if why := no_verify(settings, state, step_id):
        return why
    planned = plan_step(settings, state, settings.procedure.step(step_id), hosts, None, secrets)
    runs = state.step(step_id).hosts
    found: dict[str, tuple[str, RenderedCommand]] = {}
    for target in planned.targets:
        groups = planned.groups_for(target)
        stage = runs[target.name].stage
        # The group the attempt stopped in (a gradual re-enable has one per percentage).
        group = next((g for g in groups if any(s == stage for s, _ in g)), groups[-1])
        # Its verify says whether the change was made (a health check says something else).
        found[target.name] = [c for c in group if not is_health(c[0])][-1]
    return planned, found


async def verify_unknown(conductor: Conductor, hosts: list[str] | None) -> dict[str, str]:
    """Settle unknown hosts: where the earlier attempt no longer runs, run the step's
    verify and let its result stand as the host's outcome (succeeded or failed); where
    it still runs, or there is no verify, say so and leave the host unknown. Returns,
    per host, what happened; the verdicts are journalled. The interrupted steps count
    as running meanwhile."""
    conductor.lock_systems(conductor.state.systems)
    steps = {s for s, _ in conductor.state.unknown_hosts}
    if busy := steps & conductor.running:
        raise ProcedureError(f"step {sorted(busy)[0]!r} is running")
    with conductor.activity.running(steps):
        return await _settle(conductor, hosts)


async def _settle(conductor: Conductor, hosts: list[str] | None) -> dict[str, str]:
    pairs = unknown_on(conductor, hosts)
    if not pairs:
        raise ProcedureError("no host is in an unknown state")
    checks = {(c.step, c.host): c for c in await check_attempts(conductor, hosts)}
    verdicts: dict[str, str] = {}
    for step_id in dict.fromkeys(s for s, _ in pairs):
        waiting = [h for s, h in pairs if s == step_id]
        for host in waiting:
            if checks[(step_id, host)].running:
                verdicts[host] = "not verified: the earlier attempt is still running"
        ready = [h for h in waiting if h not in verdicts]
        if ready:
            verdicts |= await _verify_step(conductor, step_id, ready)
    conductor.recorder.record(Kind.UNKNOWN_VERIFIED, verdicts=verdicts)
    return verdicts


async def _verify_step(conductor: Conductor, step_id: str, hosts: list[str]) -> dict[str, str]:
    found = _verify_commands(conductor, step_id, hosts)
    if isinstance(found, str):
        return {h: f"not verified: {found}; check it by hand, then retry it there" for h in hosts}
    planned, commands = found
    runs = conductor.state.step(step_id).hosts
    attempt = max(runs[h].attempt for h in hosts)
    plan = RunPlan(timeout=planned.run.timeout, on_jump_host=planned.run.on_jump_host)
    watch: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if planned.strategy is not None and planned.strategy.data_touching:
        # Its after (and where a recovery stopped) recorded and judged, as in the run.
        from console.engine.integrity import IntegrityWatch

        recorder = conductor.recorder
        watch = integrity = IntegrityWatch(recorder, step_id, planned.strategy.name).carry_on(
            hosts, conductor.state.integrity, recorder.events
        )
        plan = dataclasses.replace(plan, judge=integrity.judge)
    with watch:
        outcomes = await conductor.runner.run(
            step_id, planned.targets, lambda t: [commands[t.name]], attempt=attempt, plan=plan
        )
    if not any(r.status in (HostStatus.UNKNOWN, HostStatus.RUNNING) for r in runs.values()):
        hold_settled_rollout(conductor.execution, conductor.secrets, step_id, outcomes)
        conductor.finish_step(step_id, outcomes)
    after = conductor.state.step(step_id).hosts
    return {
        h: _verdict(outcomes[h], after[h].detail, after[h].last_error)
        for h in hosts
        if h in outcomes
    }


def _verdict(outcome: HostOutcome, detail: str | None, said: str = "") -> str:
    """What V found on a host: its verify's result, or why it stays unknown (the change
    still under way there). A verify that did not end (its timeout, a signal) verified
    nothing, and says so, though the host counts as failed (folded so): a wedged service
    stays retriable and undoable, where an unknown host would hold its lock. A failed one
    says in its own words (`said`, its last stderr line; else its exit status) what it
    checked and what it did not: 'verified: failed' alone read as the change not made, where only the restart
    after it had been cut off, and the health check had not run."""
    if outcome.status is HostStatus.UNKNOWN:
        return f"not verified: {detail or 'its outcome is still unknown'}"
    if outcome.status is HostStatus.FAILED and outcome.failure in UNENDED:
        why = f"{outcome.failure.value}: {detail}" if detail else outcome.failure.value
        return (
            f"{UNENDED_VERIFY} its verify did not end ({why}): whether the change was made is"
            " not known; the host counts as failed, so that a retry or an undo can go there"
        )
    if outcome.status is HostStatus.HELD:  # a gradual rollout's stage passed, not the last
        return "verified: succeeded (its stage passed; held there with the others)"
    if outcome.status is HostStatus.FAILED and (said := said or detail or ""):
        return f"verified: failed (its verify: {clip(visible(said, one_line=True), SAID)})"
    return f"verified: {outcome.status.value}"
