"""Fan-out: waves of hosts, write-ahead intents, batched output, classified results."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from console.engine.command_result import command_result
from console.engine.failures import NOT_SENT, ExecResult
from console.engine.output_batcher import OutputBatcher
from console.engine.run_plan import (
    HostOutcome,
    RunPlan,
    StagesFor,
    max_fail_halt,
    max_fail_why,
    wave_finished,
    wave_halt,
    wave_started,
)
from console.engine.run_stops import RunStops
from console.engine.ssh import SshPool
from console.engine.supervisor import attempt_token, supervised, supervised_here
from console.engine.targets import Target
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.kinds import is_health
from console.model.payloads import CommandIntent, CommandResult
from console.model.status import PRECHECK_RAN, HostStatus, outcome_unknown
from console.model.waves import threshold_exceeded

log = logging.getLogger(__name__)


class Runner(RunStops):
    """Runs commands across hosts under a concurrency cap; every fact becomes an event."""

    def __init__(self, pool: SshPool, recorder: Recorder, max_commands: int | None = None):
        super().__init__(pool, recorder)
        self._commands = asyncio.Semaphore(max_commands or pool.defaults.max_commands)

    async def run(
        self,
        step: str,
        targets: list[Target],
        stages_for: StagesFor,
        *,
        attempt: int = 1,
        plan: RunPlan | None = None,
        tries: Mapping[str, int] | None = None,
    ) -> dict[str, HostOutcome]:
        """Run each target's stages in order; targets in waves, each wave concurrently.
        Each host's try is `tries`' number for it, if given, else `attempt`."""
        plan = plan or RunPlan()
        self.arm()
        self.halted, self._held_back = "", None
        keys = [(step, t.name) for t in targets]
        self._waiting.update(zip(keys, targets, strict=True))
        try:
            outcomes: dict[str, HostOutcome] = {}
            planned = plan.waves.of(targets)
            failed = unknown = 0  # unknown hosts count too: their change may have failed
            for number, wave in enumerate(planned, start=1):
                if self._stopped():
                    self._not_started(step, wave, outcomes)
                    await self.recorder.sync()
                    continue
                self.pool.closed_for_files()  # from now: this wave's
                if not plan.on_jump_host:
                    # Handshakes start now and overlap the intents' write-ahead; no command is
                    # sent before its intent is on disk.
                    await self.pool.dial(wave)
                # Made durable by the first intents' group commit, before anything is sent:
                # no fsync of its own on the loop.
                hosts = [t.name for t in wave]
                started = wave_started(plan, number, len(planned), hosts)
                self.recorder.record_deferred(Kind.WAVE_STARTED, step=step, **started)

                async def one(target: Target) -> None:
                    nonlocal failed, unknown
                    tried = tries.get(target.name, attempt) if tries else attempt
                    outcome = await self._host(step, target, stages_for, tried, plan)
                    outcomes[target.name] = outcome
                    if outcome.status in (HostStatus.FAILED, HostStatus.UNKNOWN):
                        failed += 1
                        unknown += outcome.status is HostStatus.UNKNOWN
                        if not self.halted and threshold_exceeded(
                            failed, len(targets), plan.max_fail_percentage
                        ):
                            count = (failed, len(targets), unknown)
                            self.halted = max_fail_why(count, plan)
                            self._held_back = max_fail_halt(self.recorder, step, count, plan)
                            if plan.stage is not None and plan.stage[0] < plan.stage[1]:
                                self.holds_back()  # its later stages: not started

                await asyncio.gather(*(one(t) for t in wave))
                counts = wave_finished([outcomes[t.name] for t in wave]) | self.local.waits()
                counts |= self.pool.closed_for_files()
                finished = {"step": step, "wave": number, "waves": len(planned), **counts}
                if number == len(planned) and plan.end_follows:  # one fsync fewer a step
                    self.recorder.record_deferred(Kind.WAVE_FINISHED, **finished)
                    self.recorder.flush()
                else:
                    self.recorder.record(Kind.WAVE_FINISHED, **finished)
                if number < len(planned) and not self._stopped():
                    after = [t.name for t in planned[number]]  # the next wave's hosts
                    await self._between(
                        step, plan, (number, len(planned)), outcomes, (failed, len(targets)), after
                    )
            return {t.name: outcomes[t.name] for t in targets}
        finally:
            for key in keys:
                self._waiting.pop(key, None)
            if self._held_back is not None:  # crossed once every host had begun: no halt
                self.halted, self._held_back = "", None

    async def _between(
        self,
        step: str,
        plan: RunPlan,
        wave: tuple[int, int],
        outcomes: dict[str, HostOutcome],
        failed_of: tuple[int, int],
        next_hosts: list[str],
    ) -> None:
        """The pause after wave `number` of `total`, the probes of the hosts changed so
        far, then the confirmation the waves ask for (naming the `next_hosts` it starts):
        with a probe not healthy, no one to ask, or a no, the later hosts are not started."""
        number, total = wave
        await self.pause(step, "wave", number, total, plan.waves.pause_seconds)
        probe, unhealthy = plan.probe_between, ""
        done = [h for h, o in outcomes.items() if o.status is HostStatus.SUCCEEDED]
        if probe is not None and not self._stopped():
            unhealthy = await probe(number, total, done, False)
        if self._stopped() or not (unhealthy or plan.waves.confirm):
            return
        ask = plan.between_waves
        if not unhealthy and ask is not None and await ask("wave", number, total, next_hosts):
            if probe is None or self._stopped():  # a late yes: the probes read again
                return
            if not (unhealthy := await probe(number, total, done, True)):
                return
        if self._stopped():  # aborted or detached while asked: that says why already
            return
        halt = (unhealthy, ask is not None, outcomes)
        self.halted = wave_halt(self.recorder, step, wave, halt, failed_of)

    async def pause(
        self, step: str, what: str, done: int, of: int, seconds: float, **shares: Any
    ) -> None:
        """The strategy's pause after wave (or stage) `done` of `of` (a stage's `shares`:
        its `percent` and `next_percent`), journalled first; an abort or a detach ends it
        at once."""
        if not seconds or self._stopped():
            return
        self.recorder.record(
            Kind.WAVE_PAUSED, step=step, what=what, done=done, of=of, seconds=seconds, **shares
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._cut_pause.wait(), seconds)

    async def _host(
        self, step: str, target: Target, stages_for: StagesFor, attempt: int, plan: RunPlan
    ) -> HostOutcome:
        where = {"system": target.system, "host": target.name, "step": step}
        async with self._commands:
            if self._stopped():
                idle = self._say_not_started(step, target)
                await self.recorder.sync()
                return idle
            self._waiting.pop((step, target.name), None)  # it begins: its intent is next
            outcome = HostOutcome(target.name, HostStatus.SUCCEEDED)
            stages = stages_for(target)
            for index, (stage, command) in enumerate(stages):
                if index and self.detached:
                    # Its next stage is not sent; the host stays unknown until verified.
                    outcome.status = HostStatus.UNKNOWN
                    return outcome
                if index and self.hung_up and all(s == "precheck" for s, _ in stages[:index]):
                    # Hung up before its change was sent: it is not now (past it, its
                    # verify goes: it settles the host, else unknown).
                    said = f"{self.hung_up}{PRECHECK_RAN}"
                    self.recorder.record(Kind.HOST_NOT_STARTED, reason=said, **where)
                    return HostOutcome(target.name, HostStatus.NOT_STARTED)
                # Write-ahead: the intent is on disk before the command is sent; hosts that
                # start in the same moment share one fsync (group commit).
                # The record gets the command with its secrets masked; the host, the real one.
                # The token finds this command on the host if the console dies before
                # its outcome is known (see `supervised` and engine/attempts.py).
                token = attempt_token()
                here = plan.on_jump_host and not is_health(stage)
                intent = CommandIntent(
                    command=command.shown,
                    stage=stage,
                    attempt=attempt,
                    token=token,
                    masked=True if command.masked else None,
                    on="jump-host" if here else None,
                )
                handle = f"{id(self)}:{target.name}"
                # Held from before its intent: a detach from here on waits (bounded)
                # for what becomes of it, not sent or sent.
                self._handles.add(handle)
                self._first.update([handle] if not index else [])
                try:
                    self.recorder.record_deferred(intent, **where)
                    await self.recorder.sync(tell=False)  # told once the hosts have gone on
                    wrap = supervised_here if here else supervised
                    sent = (wrap(command.sent, token), command.shown)  # as sent, as recorded
                    final = index == len(stages) - 1
                    result = await self._execute(
                        where, target, sent, plan, (index, stage, final), here, handle
                    )
                    if result is None:  # detached before it was sent
                        if index:  # its earlier stages ran: unknown until verified
                            outcome.status = HostStatus.UNKNOWN
                            return outcome
                        waited = (
                            "before it was started on the jump host"
                            if here
                            else "while its host was being reached"
                        )
                        reason = f"{self._why_stopped()} {waited}"
                        self.holds_back()
                        self.recorder.record(
                            Kind.HOST_NOT_STARTED, reason=f"{reason}: nothing sent", **where
                        )
                        return HostOutcome(target.name, HostStatus.NOT_STARTED)
                finally:
                    self._handles.discard(handle)
                    self._first.discard(handle)
                    self._handle_gone.set()
                self.recorder.record_deferred(result, **where)
                # No fsync of its own: the next stage's intent (group commit) or the wave's
                # end (recorded with its fsync) makes the result durable before anything
                # more is sent to this host or the step is reported done.
                if plan.judge is not None:
                    # The judge hears this stage's output now: the data before is on
                    # record before the next stage is sent, a mismatch before the tally.
                    self.recorder.flush()
                outcome.exit_status = result.exit_status
                if result.aborted:
                    outcome.status = HostStatus.ABORTED
                    return outcome
                if result.refused is not None:  # nothing to do here: nothing more is sent
                    outcome.status = HostStatus.REFUSED
                    return outcome
                if result.failure:
                    lost = outcome_unknown(result.failure, stage, result.exit_status)
                    outcome.status = HostStatus.UNKNOWN if lost else HostStatus.FAILED
                    outcome.failure = result.failure
                    return outcome
            if plan.judge is not None and (failure := plan.judge(target.name)):
                outcome.status = HostStatus.FAILED
                outcome.failure = failure
            return outcome

    async def _execute(
        self,
        where: dict[str, Any],
        target: Target,
        command: tuple[str, str],  # as sent (supervised), as recorded
        plan: RunPlan,
        at: tuple[int, str, bool],  # the stage's index, name, and whether it is the last
        here: bool,
        handle: str,
    ) -> CommandResult | None:
        """How the command ended, as recorded; None if the console detached before it
        was sent (nothing was), or hung up before a host's first command was."""
        index, stage, final = at
        started = time.monotonic()
        batchers: dict[str, OutputBatcher] = {}  # a stream's, from its first line
        limit = plan.timeout or self.pool.defaults.command_timeout

        def emit(stream: str, lines: list[str]) -> None:
            batcher = batchers.get(stream)
            if batcher is None:
                batcher = batchers[stream] = OutputBatcher(self.recorder, where, stream, started)
            batcher.extend(lines)

        # A host's first command is new: a hang-up before it is sent stops it too.
        cut = self._cut if index else self._cut_new
        ended: ExecResult
        if here:
            ended = await self.local.execute(command[0], limit, emit, handle, cut)
        else:
            ended = await self.pool.execute(target, command[0], limit, emit, handle, cut)
        if ended == NOT_SENT and cut() and not self.aborted:  # detached, or hung up
            return None
        result = command_result(ended, batchers, stage, final, self.aborted, started, command, here)
        log.debug(
            "%s %s: exit %s in %.3f s",
            target.name,
            where["step"],
            ended.exit_status,
            result.duration,
        )
        return result
