"""What strategy and procedure steps do beyond sending commands, mixed into the Conductor.

Integrity records around data-touching strategies, a gradual re-enable in
percentage steps, undo, and the halt and assessment records.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any

from console.engine.integrity import IntegrityWatch, Summary
from console.engine.plan import GroupsFor, Planned, Secrets, plan_undo
from console.engine.runner import BetweenWaves, HostOutcome, StagesFor
from console.model.events import Event, Kind
from console.model.payloads import CommandOutput
from console.model.procedure import Step, StepRecord
from console.model.status import FailureClass, HostStatus, StepStatus
from console.model.strategies import Strategy

if TYPE_CHECKING:
    from console.engine.runner import Runner
    from console.journal.recorder import Recorder
    from console.model.settings import Settings
    from console.model.state import IncidentState

# (stage, template, extra values) per group; groups run one after another fleet-wide.
PAIR = re.compile(r"^\s*([A-Za-z0-9_.-]+)=(.*)$")


class Collector:
    """Every stdout line of one step, per host, while it runs."""

    def __init__(self, recorder: Recorder, step: str):
        self.recorder, self.step = recorder, step
        self.lines: dict[str, list[str]] = {}

    def __enter__(self) -> Collector:
        self._stop = self.recorder.subscribe(self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _on(self, event: Event) -> None:
        output = event.data
        if not isinstance(output, CommandOutput) or output.stream != "stdout":
            return
        if event.where.step == self.step and event.where.host:
            self.lines.setdefault(event.where.host, []).extend(output.lines)


def record_assessment(
    recorder: Recorder,
    step: str,
    outcomes: dict[str, HostOutcome],
    lines: dict[str, list[str]],
    stage: str = "before",
) -> None:
    """Journal the `key=value` lines each host printed as an assessment: `before` the
    rollback (the assessment step), or `after` it (read again once stability is verified)."""
    done = sorted(h for h, o in outcomes.items() if o.status is HostStatus.SUCCEEDED)
    hosts: dict[str, dict[str, str]] = {}
    keys: list[str] = []
    for host in done:
        pairs = [m.groups() for m in map(PAIR.match, lines.get(host, [])) if m]
        hosts[host] = {k: v.strip() for k, v in pairs}
        keys += [k for k, _ in pairs if k not in keys]
    failed = sorted(set(outcomes) - set(done))
    recorder.record(
        Kind.ASSESSMENT_RECORDED, step=step, hosts=hosts, keys=keys, failed=failed, stage=stage
    )


class StepActions:
    """Mixed into the Conductor, which provides the attributes declared here."""

    settings: Settings
    recorder: Recorder
    runner: Runner
    confirm_wave: BetweenWaves | None
    _running: set[str]
    _idle: asyncio.Event

    if TYPE_CHECKING:

        @property
        def state(self) -> IncidentState: ...
        @property
        def secrets(self) -> Secrets: ...

        def step(self, step_id: str) -> Step: ...
        def _step_data(self, step: Step) -> dict[str, Any]: ...

    async def _execute(self, step: Step, planned: Planned, attempt: int) -> dict[str, HostOutcome]:
        """Run a planned step: its groups in order, with integrity and step records."""
        strategy = planned.strategy
        watch = (
            IntegrityWatch(self.recorder, step.id, strategy.name)
            if strategy and strategy.data_touching
            else contextlib.nullcontext()
        )
        with watch, Collector(self.recorder, step.id) as collected:
            outcomes = await self._run_groups(step, planned, attempt)
        if isinstance(watch, IntegrityWatch):
            _fail_integrity(outcomes, watch.failed)
        if step.records:
            self._record_outputs(step, outcomes, collected.lines)
        return outcomes

    async def _run_groups(
        self, step: Step, planned: Planned, attempt: int
    ) -> dict[str, HostOutcome]:
        """Groups one after another, fleet-wide; a rollout stops at its first bad check."""
        strategy, targets, groups_for = planned.strategy, planned.targets, planned.groups_for
        count = len(groups_for(targets[0])) if targets else 0
        outcomes: dict[str, HostOutcome] = {}
        for index in range(count):
            result = await self.runner.run(
                step.id,
                targets,
                _nth_group(groups_for, index),
                attempt=attempt,
                plan=planned.run,
            )
            outcomes.update(result)
            if count == 1 or self.runner.detached:
                break
            assert strategy is not None  # several groups: a gradual re-enable
            ok = all(o.status is HostStatus.SUCCEEDED for o in result.values())
            last = index == count - 1
            go_on = ok and not last and await self._confirm_rollout(strategy, index + 1, count)
            percent = int(planned.values[index])
            failed = sorted(h for h, o in result.items() if o.status is not HostStatus.SUCCEEDED)
            self.recorder.record(
                Kind.ROLLOUT_STEP,
                step=step.id,
                strategy=strategy.name,
                percent=percent,
                index=index + 1,
                of=count,
                ok=ok,
                go_on=go_on,
                failed=failed,
            )
            if go_on:
                continue
            if ok and not last:
                for host, outcome in outcomes.items():
                    outcome.status = HostStatus.NOT_STARTED
                    self.recorder.record(
                        Kind.HOST_NOT_STARTED,
                        step=step.id,
                        host=host,
                        system=self.state.hosts.get(host),
                        reason=f"rollout stopped at {percent}%: not confirmed",
                    )
            break
        return outcomes

    async def _confirm_rollout(self, strategy: Strategy, done: int, count: int) -> bool:
        """Between percentage steps: ask if the waves say confirm (no one to ask: stop)."""
        if not strategy.waves.confirm:
            return True
        return self.confirm_wave is not None and await self.confirm_wave(done, count)

    def _record_outputs(
        self, step: Step, outcomes: dict[str, HostOutcome], lines: dict[str, list[str]]
    ) -> None:
        done = sorted(h for h, o in outcomes.items() if o.status is HostStatus.SUCCEEDED)
        failed = sorted(set(outcomes) - set(done))
        if step.records is StepRecord.HALT:
            self.recorder.record(
                Kind.DELIVERY_HALTED,
                step=step.id,
                hosts=done,
                failed=failed,
                command=step.command,
            )
            return
        record_assessment(self.recorder, step.id, outcomes, lines)

    # -- undo ---------------------------------------------------------------------

    def _complete(
        self, step_id: str, outcomes: dict[str, HostOutcome], data: dict[str, Any]
    ) -> bool:
        """Record how a step ended: done only when every host of the step has succeeded,
        including those a retry left out; True when it is done. Nothing is recorded
        when the console detached from the step: it has not ended."""
        if self.runner.detached:
            return False
        runs = self.state.step(step_id).hosts
        ok = all(o.status is HostStatus.SUCCEEDED for o in outcomes.values()) and all(
            r.status is HostStatus.SUCCEEDED for r in runs.values()
        )
        counts: dict[str, int] = {}
        for run in runs.values():
            counts[run.status.value] = counts.get(run.status.value, 0) + 1
        self.recorder.record(
            Kind.STEP_COMPLETED,
            step=step_id,
            status=(StepStatus.DONE if ok else StepStatus.FAILED).value,
            summary=", ".join(f"{n} {status}" for status, n in sorted(counts.items())),
            **data,
        )
        return ok

    async def undo(self, step_id: str, only_hosts: list[str] | None = None) -> bool:
        """Run the strategy's undo on the hosts a strategy step touched (also after the
        close: an undo asked for later is recorded in the incident it undoes)."""
        step = self.step(step_id)
        planned = plan_undo(self.settings, self.state, step, only_hosts, self.secrets)
        strategy = planned.strategy
        assert strategy is not None  # plan_undo refuses a step that ran no strategy
        name = strategy.name
        ran = [t.name for t in planned.targets]
        undo_id = f"{step_id}.undo"
        data = {"title": f"Undo: {step.title}", "phase": self._step_data(step)["phase"]}
        attempt = 1 + max((r.attempt for r in self.state.step(undo_id).hosts.values()), default=0)
        self.recorder.record(
            Kind.STEP_STARTED, step=undo_id, hosts=ran, attempt=attempt, undo_of=step_id, **data
        )
        baseline = {
            r["host"]: Summary.from_data(r)
            for r in self.state.integrity
            if r["step"] == step_id and r["stage"] == "before" and r["verdict"] == "recorded"
        }
        watch = (
            IntegrityWatch(self.recorder, undo_id, name, baseline=baseline)
            if strategy.data_touching
            else contextlib.nullcontext()
        )
        self._running.add(undo_id)  # quitting and the close see it running, as any step
        self._idle.clear()
        try:
            with watch:
                outcomes = await self.runner.run(
                    undo_id,
                    planned.targets,
                    lambda t: [c for group in planned.groups_for(t) for c in group],
                    attempt=attempt,
                    plan=planned.run,
                )
        finally:
            self._running.discard(undo_id)
            if not self._running:
                self._idle.set()
        if isinstance(watch, IntegrityWatch):
            _fail_integrity(outcomes, watch.failed)
        return self._complete(undo_id, outcomes, data)


def _fail_integrity(outcomes: dict[str, HostOutcome], failed: dict[str, str]) -> None:
    for host in failed:
        if host in outcomes and outcomes[host].status is HostStatus.SUCCEEDED:
            outcomes[host].status = HostStatus.FAILED
            outcomes[host].failure = FailureClass.INTEGRITY


def _nth_group(groups_for: GroupsFor, index: int) -> StagesFor:
    """The stages of group `index`, per target."""
    return lambda target: groups_for(target)[index]
