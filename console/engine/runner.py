"""Fan-out: run a host's stages over SSH, write-ahead, output batched, results classified."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncssh

from console.engine.failures import HostFailure
from console.engine.ssh import SshPool, Target
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.state import FailureClass, HostStatus

OUTPUT_BATCH_LINES = 200
OUTPUT_BATCH_SECONDS = 0.05
KILL_GRACE_SECONDS = 3.0

StagesFor = Callable[[Target], list[tuple[str, str]]]


@dataclass
class HostOutcome:
    host: str
    status: HostStatus
    failure: FailureClass | None = None
    exit_status: int | None = None
    output: list[str] = field(default_factory=list)


class _OutputBatcher:
    """Collects a host's lines and records them as a few output events."""

    def __init__(self, recorder: Recorder, target: Target, step: str, stream: str):
        self.recorder, self.target, self.step, self.stream = recorder, target, step, stream
        self.pending: list[str] = []
        self.kept: list[str] = []
        self.last_flush = time.monotonic()

    def add(self, line: str) -> None:
        self.pending.append(line)
        self.kept.append(line)
        if (
            len(self.pending) >= OUTPUT_BATCH_LINES
            or time.monotonic() - self.last_flush >= OUTPUT_BATCH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.recorder.record(
                Kind.COMMAND_OUTPUT,
                system=self.target.system,
                host=self.target.name,
                step=self.step,
                stream=self.stream,
                lines=self.pending,
            )
            self.pending = []
        self.last_flush = time.monotonic()


class Runner:
    """Runs commands across hosts with a concurrency cap; every fact becomes an event."""

    def __init__(self, pool: SshPool, recorder: Recorder, max_commands: int | None = None):
        self.pool = pool
        self.recorder = recorder
        self._commands = asyncio.Semaphore(max_commands or pool.defaults.max_commands)
        self._processes: dict[str, asyncssh.SSHClientProcess] = {}
        self.aborted: str | None = None

    async def run(
        self,
        step: str,
        targets: list[Target],
        stages_for: StagesFor,
        *,
        attempt: int = 1,
        timeout: float | None = None,
    ) -> dict[str, HostOutcome]:
        """Run each target's stages in order, all targets concurrently under the cap."""
        self.aborted = None
        tasks = [self._host(step, t, stages_for, attempt, timeout) for t in targets]
        outcomes = await asyncio.gather(*tasks)
        return {o.host: o for o in outcomes}

    async def _host(
        self, step: str, target: Target, stages_for: StagesFor, attempt: int, timeout: float | None
    ) -> HostOutcome:
        where = {"system": target.system, "host": target.name, "step": step}
        async with self._commands:
            if self.aborted:
                self.recorder.record(Kind.HOST_NOT_STARTED, reason="aborted", **where)
                return HostOutcome(target.name, HostStatus.NOT_STARTED)
            stages = stages_for(target)
            outcome = HostOutcome(target.name, HostStatus.SUCCEEDED)
            for index, (stage, command) in enumerate(stages):
                final = index == len(stages) - 1
                self.recorder.record(
                    Kind.COMMAND_INTENT, command=command, stage=stage, attempt=attempt, **where
                )
                result = await self._execute(step, target, command, timeout)
                outcome.output += result.pop("output")
                self.recorder.record(
                    Kind.COMMAND_RESULT, stage=stage, final=final, **result, **where
                )
                if result.get("failure") or result.get("aborted"):
                    outcome.status = (
                        HostStatus.ABORTED if result.get("aborted") else HostStatus.FAILED
                    )
                    outcome.failure = (
                        FailureClass(result["failure"]) if result.get("failure") else None
                    )
                    outcome.exit_status = result.get("exit_status")
                    return outcome
                outcome.exit_status = result.get("exit_status")
            return outcome

    async def _execute(
        self, step: str, target: Target, command: str, timeout: float | None
    ) -> dict:
        started = time.monotonic()
        out = _OutputBatcher(self.recorder, target, step, "stdout")
        err = _OutputBatcher(self.recorder, target, step, "stderr")
        result: dict = {}
        try:
            conn = await self.pool.connection(target)
            process = await conn.create_process(
                command, stdin=asyncssh.DEVNULL, encoding="utf-8", errors="replace"
            )
        except HostFailure as failure:
            result = {"failure": failure.failure.value, "detail": failure.detail}
            if failure.fingerprint:
                result["fingerprint"] = failure.fingerprint
        except (asyncssh.Error, OSError) as exc:
            self.pool.forget(target.name)
            result = {"failure": FailureClass.CONNECTION_LOST.value, "detail": str(exc)}
        else:
            self._processes[target.name] = process
            try:
                result = await self._collect(
                    process, out, err, timeout or self.pool.defaults.command_timeout
                )
            finally:
                self._processes.pop(target.name, None)
        out.flush()
        err.flush()
        if self.aborted and result.get("exit_status") != 0:
            result["aborted"] = True
            result.setdefault("detail", f"aborted: {self.aborted}")
        result["duration"] = round(time.monotonic() - started, 3)
        result["output"] = out.kept[-20:] + err.kept[-20:]
        return result

    async def _collect(
        self, process, out: _OutputBatcher, err: _OutputBatcher, timeout: float
    ) -> dict:
        async def pump(stream, batcher: _OutputBatcher) -> None:
            async for line in stream:
                if line:
                    batcher.add(line.rstrip("\n"))

        pumps = asyncio.gather(pump(process.stdout, out), pump(process.stderr, err))
        try:
            await asyncio.wait_for(asyncio.shield(pumps), timeout)
            completed = await asyncio.wait_for(process.wait(check=False), timeout)
        except TimeoutError:
            await self._stop(process)
            pumps.cancel()
            with contextlib.suppress(BaseException):
                await pumps
            return {
                "failure": FailureClass.TIMEOUT.value,
                "detail": f"no exit within {timeout:g} s; signalled",
            }
        except (asyncssh.ConnectionLost, asyncssh.DisconnectError, BrokenPipeError) as exc:
            return {
                "failure": FailureClass.CONNECTION_LOST.value,
                "detail": str(exc) or "connection lost",
            }
        if completed.exit_signal:
            name = completed.exit_signal[0]
            return {
                "failure": FailureClass.SIGNAL.value,
                "signal": name,
                "detail": f"killed by SIG{name}",
            }
        if completed.exit_status is None:
            return {
                "failure": FailureClass.CONNECTION_LOST.value,
                "detail": "channel closed without an exit status",
            }
        if completed.exit_status != 0:
            return {
                "failure": FailureClass.NONZERO_EXIT.value,
                "exit_status": completed.exit_status,
                "detail": f"exit status {completed.exit_status}",
            }
        return {"exit_status": 0}

    async def _stop(self, process: asyncssh.SSHClientProcess) -> None:
        """TERM, then KILL after a grace period, then close the channel."""
        for signal in ("TERM", "KILL"):
            with contextlib.suppress(Exception):
                process.send_signal(signal)
            try:
                await asyncio.wait_for(process.wait_closed(), KILL_GRACE_SECONDS)
                return
            except TimeoutError:
                continue
        process.close()

    async def abort(self, reason: str) -> None:
        """Stop every running remote process; hosts that did not start never will."""
        self.aborted = reason
        await asyncio.gather(*(self._stop(p) for p in list(self._processes.values())))
