"""What a command on a host and a command on the jump host share: output emitted in
blocks of lines, TERM then KILL after a grace period, and how it ended (an exit status,
a signal, a timeout). No asyncssh here: the jump host's commands need none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from console.engine.failures import OK, ExecResult
from console.model.status import FailureClass

READ_BLOCK = 65536
KILL_GRACE_SECONDS = 3.0

Emit = Callable[[str, list[str]], None]


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
