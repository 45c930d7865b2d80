"""Running a step's commands for the Conductor (`StepExecution`), and which steps run now
(`Activity`).

Integrity records around data-touching strategies, ad-hoc commands, undo, and the halt
records (a gradual re-enable's stages are `console.engine.rollout`'s; an assessment step's
values are read by `console.engine.assessment`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from console.engine.assessment import Collector, record_assessment
from console.engine.errors import RunEnded
from console.engine.plan import Planned, Secrets, plan_undo
from console.engine.rollout import run_stages
from console.engine.run_plan import AskBetween, HostOutcome, RunPlan
from console.model.events import Kind
from console.model.procedure import Step, StepRecord
from console.model.status import COMMAND_STAGE, HostStatus, StepStatus
from console.model.step_state import needed_nothing_words, refused_words
from console.model.templates import RenderedCommand
from console.model.visible import clip

if TYPE_CHECKING:
    from console.engine.runner import Runner
    from console.engine.stage_probes import Watching
    from console.engine.targets import Target
    from console.journal.recorder import Recorder
    from console.model.settings import Settings
    from console.model.state import IncidentState

PerHost = dict[str, list[tuple[str, RenderedCommand]]]  # host: (stage, command), in order


def per_host(planned: Planned) -> PerHost:
    """Every command of a plan, per host, in the order they are sent."""
    return {
        t.name: [c for group in planned.groups_for(t)[planned.start :] for c in group]
        for t in planned.targets
    }


def step_data(settings: Settings, step: Step) -> dict[str, Any]:
    """What every record of a procedure step carries: its title and phase."""
    return {"title": step.title, "phase": settings.procedure.phase_of(step.id).value}


class Activity:
    """The steps running now (quitting, the close and an abort ask), and an event set
    while none runs."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._runs: set[int] = set()
        self._serial = itertools.count(1)
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._ids)

    @property
    def runs(self) -> frozenset[int]:
        """Which runs these are: a number per run, never reused, so what a person was
        asked about (the quit dialog, an abort's reason) is told from what runs after it,
        a step run again too."""
        return frozenset(self._runs)

    def still(self, runs: frozenset[int] | None) -> None:
        """Refuse (RunEnded) unless `runs` are the runs running now (None: whatever runs)."""
        if runs is not None and runs != self.runs:
            raise RunEnded("what was asked about has ended: nothing was aborted")

    @contextlib.contextmanager
    def running(self, step_ids: set[str]) -> Iterator[None]:
        run = next(self._serial)
        self._ids |= step_ids
        self._runs.add(run)
        self._idle.clear()
        try:
            yield
        finally:
            self._ids -= step_ids
            self._runs.discard(run)
            if not self._ids:
                self._idle.set()

    async def settled(self, seconds: float) -> None:
        """Wait, at most `seconds`, until no step runs."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), seconds)


class StepExecution:
    """Runs what a step sends, fleet-wide, and records how it ended: the groups of a
    gradual rollout, integrity records around data-touching strategies, the halt and
    assessment records, ad-hoc commands, and undo."""

    def __init__(
        self,
        settings: Settings,
        recorder: Recorder,
        runner: Runner,
        activity: Activity,
        secrets: Callable[[], Secrets],
        watching: Watching | None = None,
    ):
        self.settings = settings  # the conductor's: a drill replaces it
        self.recorder = recorder
        self.runner = runner
        self.activity = activity
        self.secrets = secrets
        self.watching = watching  # the probes read between a gradual re-enable's stages

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    async def run(
        self, step: Step, planned: Planned, confirm_wave: AskBetween | None, said: dict[str, Any]
    ) -> bool:
        """Record the start of a planned step, run it, record how it ended."""
        chosen = {t.name for t in planned.targets}
        attempt = 1 + max(
            (r.attempt for h, r in self.state.step(step.id).hosts.items() if h in chosen),
            default=0,
        )
        data = step_data(self.settings, step)
        strategy = planned.strategy  # what it brings the data back to, said as it starts and ends
        values = strategy.values_in(self.state.strategy, self.state.params) if strategy else {}
        if to := strategy.recovers_to(values) if strategy else "":
            data["to"] = to
        # Durable with the first intents (group commit) before anything is sent, or with
        # the next record that is fsync'd now.
        self.recorder.record_deferred(
            Kind.STEP_STARTED,
            step=step.id,
            hosts=[t.name for t in planned.targets],
            attempt=attempt,
            **data,
            **said,
        )
        # Each host's own try: a host of a later wave never sent anything tries first.
        runs = self.state.step(step.id).hosts
        tries = {h: 1 + (runs[h].attempt if h in runs else 0) for h in chosen}
        # Its end (complete's record) makes its last wave's end durable.
        planned = dataclasses.replace(
            planned, run=dataclasses.replace(planned.run, end_follows=True)
        )
        outcomes = await self._execute(step, planned, attempt, confirm_wave, tries)
        return self.complete(step.id, outcomes, data)

    async def _execute(
        self,
        step: Step,
        planned: Planned,
        attempt: int,
        confirm_wave: AskBetween | None,
        tries: dict[str, int],
    ) -> dict[str, HostOutcome]:
        """Run a planned step: its groups in order, with integrity and step records."""
        strategy = planned.strategy
        watch: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
        if strategy and strategy.data_touching:
            # Loaded by the strategies that touch data only (exec's way: issue 18).
            from console.engine.integrity import IntegrityWatch

            watch = integrity = IntegrityWatch(self.recorder, step.id, strategy.name)
            planned = dataclasses.replace(
                planned, run=dataclasses.replace(planned.run, judge=integrity.judge)
            )
        with watch, Collector(self.recorder, step.id) as collected:
            outcomes = await run_stages(
                self.runner, step, planned, attempt, confirm_wave, tries, self.watching
            )
        if step.records:
            self._record_outputs(step, outcomes, collected.lines)
        return outcomes

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

    def complete(
        self, step_id: str, outcomes: dict[str, HostOutcome], data: dict[str, Any]
    ) -> bool:
        """Record how a step ended: done only when every host of the step has succeeded,
        including those a retry left out, or every other one was refused by its precheck
        for good (it needed nothing: `StepState.needed_nothing`); refused when every host
        was (nothing to do anywhere), or an undo was refused somewhere; held when the
        others are held where its gradual re-enable stopped, beside any its prechecks
        refused (`2 held at 25 %` among failed ones); stopped when its waves stopped before some hosts and none of the
        others failed (a no between waves; a crash, then V), halted when a probe did;
        unknown when a connection was lost mid-change on some hosts and none failed (V
        settles them); True when it is done. Nothing is recorded when the console
        detached from the step: it has not ended."""
        if self.runner.detached:
            return False
        st = self.state.step(step_id)
        ended = {o.status for o in outcomes.values()} | {r.status for r in st.hosts.values()}
        counts: dict[str, int] = {}
        for run in st.hosts.values():
            counts[run.status.value] = counts.get(run.status.value, 0) + 1
        summary = ", ".join(
            f"{n} held at {st.held.percent} %"
            if status == HostStatus.HELD.value and st.held
            else f"{n} {status}"
            for status, n in sorted(counts.items())
        )
        status = StepStatus.FAILED
        if HostStatus.UNKNOWN in ended and not ended & {HostStatus.FAILED, HostStatus.ABORTED}:
            status = StepStatus.UNKNOWN  # no host failed: V settles those left unknown
        elif ended <= {HostStatus.SUCCEEDED}:
            status = StepStatus.DONE
        elif ended <= {HostStatus.SUCCEEDED, HostStatus.REFUSED}:
            undo = step_id.endswith(".undo")  # refused there: a change since, not undone
            counts.pop(HostStatus.REFUSED.value)
            succeeded = [f"{n} succeeded" for n in counts.values()]
            if succeeded and not undo:  # the others needed nothing: done, the walk goes on
                status = StepStatus.DONE
                summary = "; ".join([*succeeded, needed_nothing_words(st.refused())])
            else:
                status = StepStatus.REFUSED
                by = "by the undo" if undo else "at the precheck"
                summary = "; ".join([refused_words(st.refused(), by), *succeeded])
        elif HostStatus.HELD in ended and ended <= {
            HostStatus.SUCCEEDED,
            HostStatus.HELD,
            HostStatus.REFUSED,
        }:
            status = StepStatus.HELD  # the refused hosts are named in the hold's reason
            summary = st.held.said(counts[HostStatus.HELD.value]) if st.held else summary
        elif HostStatus.NOT_STARTED in ended and ended <= {
            HostStatus.SUCCEEDED,
            HostStatus.REFUSED,
            HostStatus.NOT_STARTED,
            HostStatus.HELD,  # a re-enable's stage halted between its waves: none failed
        }:
            status, summary = st.stopped_as(summary)
        if st.to and "to" not in data:  # V settling it: what its start said it recovers to
            data = {**data, "to": st.to}
        self.recorder.record(
            Kind.STEP_COMPLETED, step=step_id, status=status.value, summary=summary, **data
        )
        return status is StepStatus.DONE

    async def adhoc(self, command: str, hosts: list[str], targets: list[Target]) -> bool:
        """Run one typed command, exactly as typed, on `hosts` (their `targets`);
        journalled as a step."""
        step_id = f"adhoc-{sum(1 for s in self.state.steps if s.startswith('adhoc-')) + 1}"
        redact = self.recorder.redactor.text
        # Masked before it is cut: a secret cut in two would no longer match. Cut, it
        # ends in `…` (it read `... "$f" "$(` as if that were the command).
        lines = redact(command.strip()).splitlines()
        title = clip(lines[0] + (" …" if lines[1:] else ""), 60)
        data = {"title": f"Ad-hoc: {title}", "phase": "adhoc"}
        # As a procedure step's start: durable with the first intents' group commit, before
        # anything is sent; its handshakes start without waiting for an fsync of its own.
        self.recorder.record_deferred(
            Kind.STEP_STARTED, step=step_id, hosts=hosts, attempt=1, adhoc=True, **data
        )
        with self.activity.running({step_id}):  # quitting asks first, as for any step
            outcomes = await self.runner.run(
                step_id,
                targets,
                lambda t: [(COMMAND_STAGE, RenderedCommand.typed(command, t.workdir, redact))],
                plan=RunPlan(end_follows=True),  # its end (complete's record) makes it durable
            )
        return self.complete(step_id, outcomes, data)

    async def undo(
        self,
        step_id: str,
        only_hosts: list[str] | None = None,
        confirm_wave: AskBetween | None = None,
        instead: Mapping[str, str] | None = None,
    ) -> bool:
        """Run the strategy's undo on the hosts a strategy step touched (also after the
        close: an undo asked for later is recorded in the incident it undoes), in the
        strategy's waves, `confirm_wave` asked between them where they say confirm
        (`instead`: parameter values given for it, in place of the incident's)."""
        step = self.settings.procedure.step(step_id)
        planned = plan_undo(
            self.settings, self.state, step, only_hosts, self.secrets(), confirm_wave, instead
        )
        strategy = planned.strategy
        assert strategy is not None  # plan_undo refuses a step that ran no strategy
        name = strategy.name
        ran = [t.name for t in planned.targets]
        undo_id = f"{step_id}.undo"
        data = {"title": f"Undo: {step.title}", "phase": step_data(self.settings, step)["phase"]}
        attempt = 1 + max((r.attempt for r in self.state.step(undo_id).hosts.values()), default=0)
        self.recorder.record(
            Kind.STEP_STARTED, step=undo_id, hosts=ran, attempt=attempt, undo_of=step_id, **data
        )
        commands = per_host(planned)
        plan = planned.run
        watch: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
        if strategy.data_touching:
            from console.engine.integrity import IntegrityWatch, undo_baseline

            undoing = undo_baseline(self.state.integrity, step_id)
            watch = integrity = IntegrityWatch(self.recorder, undo_id, name, undoing=undoing)
            plan = dataclasses.replace(plan, judge=integrity.judge)
        # Quitting and the close see it running, as any step.
        with self.activity.running({undo_id}), watch:
            outcomes = await self.runner.run(
                undo_id, planned.targets, lambda t: commands[t.name], attempt=attempt, plan=plan
            )
        return self.complete(undo_id, outcomes, data)
