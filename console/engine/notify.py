"""Notification commands that run on the jump host itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass, field
from typing import Any

from console.model.status import FailureClass


@dataclass
class LocalResult:
    exit_status: int | None = None
    failure: FailureClass | None = None
    detail: str | None = None
    lines: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"exit_status": self.exit_status}
        if self.failure:
            data["failure"] = self.failure.value
            data["detail"] = self.detail
        return data


async def run_local(command: str, timeout: float) -> LocalResult:
    """Run `command` with /bin/sh on this machine, bounded by `timeout`. Cut short
    (timeout or cancelled), the command and every process it started are killed."""
    process = await asyncio.create_subprocess_shell(
        command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        await _kill(process)
        return LocalResult(failure=FailureClass.TIMEOUT, detail=f"no exit within {timeout:g} s")
    except asyncio.CancelledError:
        await _kill(process)
        raise
    lines = out.decode("utf-8", "replace").splitlines()
    if process.returncode:
        return LocalResult(
            exit_status=process.returncode,
            failure=FailureClass.NONZERO_EXIT,
            detail=f"exit status {process.returncode}",
            lines=lines,
        )
    return LocalResult(exit_status=0, lines=lines)


async def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill the process group `process` leads, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()
