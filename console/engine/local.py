"""Strategy commands that run on the jump host itself (a flag service's API, a load
balancer's), with the same contract as a command on a host: output streamed in blocks,
TERM then KILL to the whole process group on timeout or abort, a classified result.

They run with the console's environment (where a token lives, never in a command) in
the incident's own directory, so what they keep for undo stays with the journal."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from console.engine.remote import KILL_GRACE_SECONDS, Emit, pump
from console.engine.supervisor import DETACH
from console.model.status import FailureClass


class LocalProcesses:
    """Starts commands with /bin/sh in a process group each, and stops them by handle."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self._running: dict[str, asyncio.subprocess.Process] = {}

    async def execute(self, command: str, limit: float, emit: Emit, handle: str) -> dict[str, Any]:
        """Run `command`; output blocks go to `emit(stream, lines)`; result data back."""
        try:
            process = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                command,
                # Kept open, never written: when the console dies the pipe closes and
                # the supervisor wrapper stops the command (see runner.supervised).
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.cwd,
                start_new_session=True,
            )
        except OSError as exc:
            return {"failure": FailureClass.NONZERO_EXIT.value, "detail": f"cannot start: {exc}"}
        self._running[handle] = process
        try:
            return await _collect(process, emit, limit)
        finally:
            self._running.pop(handle, None)
            if process.stdin is not None:
                process.stdin.close()

    async def stop(self, handles: list[str]) -> None:
        found = [p for h in handles if (p := self._running.get(h)) is not None]
        await asyncio.gather(*(_stop(p) for p in found))

    async def detach(self, handles: list[str]) -> None:
        """Let the processes started under `handles` outlive the console."""
        for process in [p for h in handles if (p := self._running.get(h)) is not None]:
            if process.stdin is None:
                continue
            with contextlib.suppress(OSError, RuntimeError):
                process.stdin.write(DETACH.encode() + b"\n")
                await asyncio.wait_for(process.stdin.drain(), KILL_GRACE_SECONDS)


def _text(stream: asyncio.StreamReader | None) -> Callable[[int], Awaitable[str]]:
    """The stream's reads as text; a character split between two reads stays whole."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    async def read(size: int) -> str:
        data = await stream.read(size) if stream is not None else b""
        return decoder.decode(data, final=not data)

    return read


async def _collect(process: asyncio.subprocess.Process, emit: Emit, limit: float) -> dict[str, Any]:
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
        return {
            "failure": FailureClass.TIMEOUT.value,
            "detail": f"no exit within {limit:g} s; TERM sent, then KILL if needed",
        }
    if status < 0:
        name = signal.Signals(-status).name.removeprefix("SIG")
        return {
            "failure": FailureClass.SIGNAL.value,
            "signal": name,
            "detail": f"killed by SIG{name}",
        }
    if status:
        return {
            "failure": FailureClass.NONZERO_EXIT.value,
            "exit_status": status,
            "detail": f"exit status {status}",
        }
    return {"exit_status": 0}


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
