"""One command on one host, on the pool's I/O loop: start it, stream its output in
blocks, stop it (TERM, then KILL) on timeout or abort, and classify how it ended."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncssh

from console.engine.failures import OK, ExecResult, HostFailure
from console.engine.supervisor import DETACH, attempt_token, supervised
from console.model.status import FailureClass

if TYPE_CHECKING:
    from console.engine.ssh import SshPool, Target

READ_BLOCK = 65536
KILL_GRACE_SECONDS = 3.0

Emit = Callable[[str, list[str]], None]


class Running:
    """The remote processes started under each handle, so that an abort can stop them."""

    def __init__(self) -> None:
        self.processes: dict[str, asyncssh.SSHClientProcess[str]] = {}

    async def stop(self, handles: list[str]) -> None:
        found = [p for h in handles if (p := self.processes.get(h)) is not None]
        await asyncio.gather(*(stop(p) for p in found))

    async def detach(self, handles: list[str]) -> None:
        """Tell each supervisor to let its command run on when the session ends."""
        found = [p for h in handles if (p := self.processes.get(h)) is not None]
        await asyncio.gather(*(_detach(p) for p in found))


async def _detach(process: asyncssh.SSHClientProcess[str]) -> None:
    with contextlib.suppress(Exception):
        process.stdin.write(DETACH + "\n")
        await asyncio.wait_for(process.stdin.drain(), KILL_GRACE_SECONDS)


async def execute(
    pool: SshPool,
    running: Running,
    target: Target,
    command: str,
    limit: float,
    emit: Emit,
    handle: str,
) -> ExecResult:
    """Run `command` on `target`; every output block goes to `emit(stream, lines)`;
    how it ended comes back."""
    try:
        conn = await pool.connection(target)
        # stdin stays open and unused: its EOF is how the remote supervisor learns that
        # the session is gone (see runner.supervised); the command reads /dev/null.
        process = await conn.create_process(command, encoding="utf-8", errors="replace")
    except HostFailure as failure:
        return ExecResult.of(failure)
    except (asyncssh.Error, OSError) as exc:
        pool.forget(target.name)
        return ExecResult(FailureClass.CONNECTION_LOST, str(exc) or "lost")
    running.processes[handle] = process
    try:
        result = await _collect(process, emit, limit)
    finally:
        running.processes.pop(handle, None)
    if result.failure is FailureClass.CONNECTION_LOST:
        pool.forget(target.name)
    return result


async def pump(read: Callable[[int], Awaitable[str]], name: str, emit: Emit) -> None:
    """Emit a stream's lines as they come. Blocks, not lines: one read per burst keeps
    200 chattering hosts cheap."""
    partial = ""
    while chunk := await read(READ_BLOCK):
        *lines, partial = (partial + chunk).split("\n")
        if lines:
            emit(name, lines)
    if partial:
        emit(name, [partial])


async def _collect(process: asyncssh.SSHClientProcess[str], emit: Emit, limit: float) -> ExecResult:
    pumps = asyncio.gather(
        pump(process.stdout.read, "stdout", emit), pump(process.stderr.read, "stderr", emit)
    )
    try:
        # Each within `limit`; asyncio.timeout rather than wait_for: no task of its own.
        async with asyncio.timeout(limit):
            await asyncio.shield(pumps)
        async with asyncio.timeout(limit):
            completed = await process.wait(check=False)
    except TimeoutError:
        await stop(process)
        pumps.cancel()
        with contextlib.suppress(BaseException):
            await pumps
        return timed_out(limit)
    except (asyncssh.Error, OSError) as exc:
        return ExecResult(FailureClass.CONNECTION_LOST, str(exc) or "lost")
    return classify_exit(completed)


async def stop(process: asyncssh.SSHClientProcess[str]) -> None:
    """TERM, then KILL after a grace period, then close the channel."""
    for name in ("TERM", "KILL"):
        with contextlib.suppress(Exception):
            process.send_signal(name)
        try:
            await asyncio.wait_for(process.wait_closed(), KILL_GRACE_SECONDS)
            return
        except TimeoutError:
            continue
    process.close()


async def run(
    pool: SshPool, target: Target, command: str, timeout: float
) -> asyncssh.SSHCompletedProcess:
    """A short command's completed process (probes, checks), run under the supervisor
    like any other: on timeout its channel is closed, which stops it on the host. A lost
    connection is forgotten."""
    conn = await pool.connection(target)
    try:
        process = await conn.create_process(
            supervised(command, attempt_token()), encoding="utf-8", errors="replace"
        )
    except (asyncssh.Error, OSError):
        pool.forget(target.name)
        raise
    try:
        return await process.wait(check=False, timeout=timeout)
    except asyncssh.TimeoutError:
        process.close()  # the channel's input ends: the supervisor stops the command
        raise
    except (asyncssh.Error, OSError):
        pool.forget(target.name)
        raise


def classify_exit(completed: asyncssh.SSHCompletedProcess) -> ExecResult:
    """An exit status or signal: success, non-zero exit, signal, or lost."""
    if completed.exit_signal:
        return killed(completed.exit_signal[0])
    if completed.exit_status is None or completed.exit_status < 0:
        return ExecResult(FailureClass.CONNECTION_LOST, "the channel closed without an exit status")
    return exited(completed.exit_status)


def exited(status: int) -> ExecResult:
    if status:
        return ExecResult(FailureClass.NONZERO_EXIT, f"exit status {status}", exit_status=status)
    return OK


def killed(signal: str) -> ExecResult:
    return ExecResult(FailureClass.SIGNAL, f"killed by SIG{signal}", signal=signal)


def timed_out(limit: float) -> ExecResult:
    return ExecResult(
        FailureClass.TIMEOUT, f"no exit within {limit:g} s; TERM sent, then KILL if needed"
    )
