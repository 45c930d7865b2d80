"""Strategy commands that run on the jump host itself (a flag service's API, a load
balancer's), with the same contract as a command on a host: output streamed in blocks,
TERM then KILL to the whole process group on timeout or abort, a classified result.

They run with the console's environment (where a token lives, never in a command) in
the incident's own directory, so what they keep for undo stays with the journal. The
script reaches /bin/sh through its environment, not its arguments: every account on the
jump host reads a process's arguments (`ps`), and a parameter may be a secret; its
environment, only this account and root."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import resource
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

from console.engine.ending import KILL_GRACE_SECONDS, Emit, exited, killed, pump, timed_out
from console.engine.failures import NOT_SENT, ExecResult
from console.engine.file_room import FileRoom
from console.engine.supervisor import DETACH
from console.model.status import FailureClass

SCRIPT = "ROLLBACK_CONSOLE_SCRIPT"  # the variable /bin/sh reads the command from


class LocalProcesses:
    """Starts commands with /bin/sh in a process group each, as many at once as the open
    files hold (engine/file_room.py), and stops them by handle."""

    def __init__(self, cwd: Path, files: FileRoom | None = None, max_commands: int = 200):
        self.cwd = cwd
        self.files = files or FileRoom()
        self.at_once = self.files.processes_at_once(max_commands)
        self.waited = 0  # commands that waited their turn for open files
        self._running: dict[str, asyncio.subprocess.Process] = {}
        # Handles whose process is being started, not known yet; how each was halted
        # meanwhile (stop or detach), done as soon as it is known.
        self._starting: dict[str, str | None] = {}

    async def execute(
        self,
        command: str,
        limit: float,
        emit: Emit,
        handle: str,
        cut: Callable[[], bool] = lambda: False,
    ) -> ExecResult:
        """Run `command`; output blocks go to `emit(stream, lines)`; how it ended back.
        Its first line, a comment (the attempt's tag), is all `ps` shows of it. It waits
        its turn for open files; nothing starts once `cut()` says so."""
        started, waited = await self.files.turn(self.at_once, cut)
        self.waited += waited
        if not started:
            return NOT_SENT if cut() else _no_files()
        try:
            return await self._execute(command, limit, emit, handle)
        finally:
            await self.files.ended()

    async def _execute(self, command: str, limit: float, emit: Emit, handle: str) -> ExecResult:
        self._starting[handle] = None
        tag = command.partition("\n")[0] if command.startswith("#") else ""
        try:
            process = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                f'{tag}\neval "${SCRIPT}"',
                env={**os.environ, SCRIPT: f"unset {SCRIPT}\n{command}"},
                # Kept open, never written: when the console dies the pipe closes and
                # the supervisor wrapper stops the command (see runner.supervised).
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.cwd,
                start_new_session=True,
            )
        except OSError as exc:
            return ExecResult(FailureClass.NONZERO_EXIT, f"cannot start: {exc}")
        finally:
            halted = self._starting.pop(handle, None)
        self._running[handle] = process
        try:
            if halted == "stop":
                await _stop(process)
            elif halted == "detach":
                await self.detach([handle])
            return await _collect(process, emit, limit)
        finally:
            self._running.pop(handle, None)
            if process.stdin is not None:
                process.stdin.close()

    def waits(self) -> dict[str, int]:
        """How many commands waited their turn for open files since last asked, and the
        limit they waited under (`wave.finished`'s), or nothing."""
        waited, self.waited = self.waited, 0
        if not waited:
            return {}
        return {
            "waited_for_files": waited,
            "open_files": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        }

    def _halt(self, handles: list[str], how: str) -> None:
        """Mark the handles still being started: their process gets `how` once known."""
        for handle in handles:
            if handle in self._starting and self._starting[handle] is None:
                self._starting[handle] = how

    async def stop(self, handles: list[str]) -> None:
        self._halt(handles, "stop")
        await self.files.cut()  # those waiting their turn: not started
        found = [p for h in handles if (p := self._running.get(h)) is not None]
        await asyncio.gather(*(_stop(p) for p in found))

    async def detach(self, handles: list[str]) -> list[str]:
        """Let the processes started under `handles` outlive the console. Those of
        `handles` that have (or are starting) a process here: they run on."""
        self._halt(handles, "detach")
        await self.files.cut()
        here = [h for h in handles if h in self._starting or h in self._running]
        for process in [p for h in handles if (p := self._running.get(h)) is not None]:
            if process.stdin is None:
                continue
            with contextlib.suppress(OSError, RuntimeError):
                process.stdin.write(DETACH.encode() + b"\n")
                await asyncio.wait_for(process.stdin.drain(), KILL_GRACE_SECONDS)
        return here


def _no_files() -> ExecResult:
    """No command of this console runs to free open files for this one: connections
    hold them."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return ExecResult(
        FailureClass.NONZERO_EXIT,
        f"not started: this process's open files ran out on this jump host (ulimit -n {soft},"
        " its connections hold them), nothing sent; raise the limit (ulimit -Hn,"
        " limits.conf) and retry this host",
    )


def _text(stream: asyncio.StreamReader | None) -> Callable[[int], Awaitable[str]]:
    """The stream's reads as text; a character split between two reads stays whole."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    async def read(size: int) -> str:
        data = await stream.read(size) if stream is not None else b""
        return decoder.decode(data, final=not data)

    return read


async def _collect(process: asyncio.subprocess.Process, emit: Emit, limit: float) -> ExecResult:
    pumps = asyncio.gather(
        pump(_text(process.stdout), "stdout", emit), pump(_text(process.stderr), "stderr", emit)
    )
    try:
        await asyncio.wait_for(asyncio.shield(pumps), limit)
        status = await asyncio.wait_for(process.wait(), limit)
    except TimeoutError:
        await _stop(process)
        pumps.cancel()
        with contextlib.suppress(BaseException):
            await pumps
        return timed_out(limit)
    if status < 0:
        return killed(signal.Signals(-status).name.removeprefix("SIG"))
    return exited(status)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """TERM the process group, then KILL it after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(process.wait(), KILL_GRACE_SECONDS)
            return
        except TimeoutError:
            continue
