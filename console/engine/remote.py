"""One command on one host, on the pool's I/O loop: start it, stream its output in
blocks, stop it (TERM, then KILL) on timeout or abort, and classify how it ended."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import asyncssh

from console.engine.ending import KILL_GRACE_SECONDS, Emit, exited, killed, timed_out
from console.engine.failures import NOT_SENT, ExecResult, HostFailure
from console.engine.supervisor import DETACH, attempt_token, supervised
from console.model.status import FailureClass

if TYPE_CHECKING:
    from console.engine.ssh import SshPool
    from console.engine.targets import Target

Channel = asyncssh.SSHClientChannel[str]
T = TypeVar("T")
STOPPED, DETACHED = "stopped", "detached"  # what came before a command's channel was known


class Deadlines:
    """The limits of the commands running on one loop, under one timer armed for the
    earliest of them: a command's limit is an entry in a dict, not a timer of its own
    (pushed on the loop's heap, cancelled, and popped again, for every command: issue 18)."""

    def __init__(self) -> None:
        self._due: dict[CommandSession, float] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._at = math.inf  # when the timer fires

    def add(self, session: CommandSession, due: float) -> None:
        """`session` is told (`_on_time`) once the loop's time reaches `due`."""
        self._due[session] = due
        if due < self._at:
            self._arm(due)

    def remove(self, session: CommandSession) -> None:
        self._due.pop(session, None)
        if not self._due and self._timer is not None:
            self._timer.cancel()
            self._timer, self._at = None, math.inf

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._at = at
        self._timer = asyncio.get_running_loop().call_at(at, self._fire)

    def _fire(self) -> None:
        self._timer, self._at = None, math.inf
        now = asyncio.get_running_loop().time()
        for session, due in list(self._due.items()):
            if due <= now:
                del self._due[session]
                session.on_time()  # which may add it again, with a later limit
        if self._due:
            earliest = min(self._due.values())
            if earliest < self._at:
                self._arm(earliest)


class Running:
    """The channels of the remote commands started under each handle, so that an abort
    can stop them; and the limits of those commands, under one timer."""

    def __init__(self) -> None:
        self.channels: dict[str, tuple[Channel, CommandSession]] = {}
        self.deadlines = Deadlines()
        # Handles whose channel is not known yet: the task still reaching the host (its
        # wait, and the dial with it, is cancelled by a stop or a detach), or None once
        # its session opens; of those, the ones stopped or detached meanwhile.
        self.connecting: dict[str, asyncio.Task[object] | None] = {}
        self.stopped: dict[str, str] = {}  # handle -> STOPPED or DETACHED

    def _halt(self, handles: list[str], how: str) -> None:
        """Those of `handles` still reaching their host are sent nothing (a wait for
        its connection is cancelled)."""
        for handle in handles:
            if handle in self.connecting:
                self.stopped.setdefault(handle, how)
                if (task := self.connecting[handle]) is not None:
                    self.connecting[handle] = None
                    task.cancel()  # a silent host holds nothing until its connect timeout

    async def stop(self, handles: list[str]) -> None:
        self._halt(handles, STOPPED)
        found = [c for h in handles if (c := self.channels.get(h)) is not None]
        await asyncio.gather(*(stop(channel) for channel, _ in found))

    async def hold(self, handles: list[str]) -> None:
        """Those of `handles` still waiting for their connection are sent nothing."""
        self._halt([h for h in handles if self.connecting.get(h) is not None], STOPPED)

    async def detach(self, handles: list[str]) -> list[str]:
        """Tell each supervisor to let its command run on when the session ends; a host
        still being reached is sent nothing. The handles with no session here: still
        being reached, or not on this loop yet (their `cut()` then says detached)."""
        self._halt(handles, DETACHED)
        found = [c for h in handles if (c := self.channels.get(h)) is not None]
        await asyncio.gather(*(_detach(*c) for c in found))
        return [h for h in handles if h not in self.channels]


async def _detach(channel: Channel, session: CommandSession) -> None:
    with contextlib.suppress(Exception):
        channel.write(DETACH + "\n")
        await asyncio.wait_for(session.drain(), KILL_GRACE_SECONDS)


class CommandSession(asyncssh.SSHClientSession[str]):
    """One command's channel, heard through callbacks: no reader streams, no pump tasks.

    Output is split into lines and emitted once per burst (the packets that arrive
    together), a partial last line at the end of the output, as a pump reading 64 KiB at
    a time would. `settled` says whether the output ended, and the channel closed, in
    time; `lost` is the error that closed it before the output ended, if any. stdin
    stays open: its EOF is how the remote supervisor learns that the session is gone.
    After a timeout a partial line is not emitted (as a pump cancelled at its timeout)."""

    def __init__(self, emit: Emit, deadlines: Deadlines):
        self._emit: Emit | None = emit
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._deadlines = deadlines
        self._ended_at: float | None = None  # the loop's time at the output's end
        self._in_time: asyncio.Future[bool] = loop.create_future()
        self._limit = 0.0
        self.lost: Exception | None = None
        self._pending = {"stdout": "", "stderr": ""}
        self._partial = {"stdout": "", "stderr": ""}
        self._scheduled = False
        self._writable: asyncio.Future[None] | None = None

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        name = "stdout" if datatype is None else "stderr"
        self._pending[name] += data
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        for name, chunk in self._pending.items():
            if chunk:
                self._pending[name] = ""
                *lines, self._partial[name] = (self._partial[name] + chunk).split("\n")
                if lines and self._emit is not None:
                    self._emit(name, lines)

    def eof_received(self) -> bool:
        self._end()
        return True  # half-open: stdin stays open until the channel closes

    def _end(self) -> None:
        if self._ended_at is not None:
            return
        self._ended_at = self._loop.time()
        self._flush()
        for name, partial in self._partial.items():
            if partial and self._emit is not None:
                self._emit(name, [partial])

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None or self._ended_at is not None:
            self._end()
        else:  # lost before the output ended: its partial lines are not emitted
            self.lost = exc
            self._ended_at = self._loop.time()
        _settle(self._in_time, True)
        self._resume()

    async def settled(self, limit: float) -> bool:
        """Once the channel closes: True if the output ended within `limit` and the
        channel closed within `limit` of that; False as soon as either limit passes.
        The limit is moved on only when it is reached (the output's end just notes its
        time); the running commands' limits share one timer (`Deadlines`)."""
        self._limit = limit
        self._deadlines.add(self, self._loop.time() + limit)
        try:
            return await self._in_time
        finally:
            self._deadlines.remove(self)

    def on_time(self) -> None:
        """Its limit is reached: the command is late, unless its output ended since, and
        the exit's limit, from then, is still ahead."""
        if self._ended_at is not None:
            due = self._ended_at + self._limit
            if due > self._loop.time():
                self._deadlines.add(self, due)
                return
        _settle(self._in_time, False)

    def silence(self) -> None:
        """Nothing more reaches `emit` (the command was given up on)."""
        self._emit = None

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = self._loop.create_future()

    def resume_writing(self) -> None:
        self._resume()

    def _resume(self) -> None:
        if self._writable is not None:
            _settle(self._writable, None)
        self._writable = None

    async def drain(self) -> None:
        """Until what was written may be sent (the channel's window is open)."""
        if self._writable is not None:
            await self._writable


def _settle(future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)


async def execute(
    pool: SshPool,
    running: Running,
    target: Target,
    command: str,
    limit: float,
    emit: Emit,
    handle: str,
    cut: Callable[[], bool] | None = None,
) -> ExecResult:
    """Run `command` on `target`; every output block goes to `emit(stream, lines)`;
    how it ended comes back. `cut()` says whether it was aborted or detached before it
    got here (from another thread, maybe): then nothing is sent."""
    # No task of its own: the stop cancels this one's wait for the connection, which
    # cancels the dial (its half-open connection closed), and the host is sent nothing.
    task = asyncio.current_task()
    running.connecting[handle] = task
    taken = False  # its connection, in use (never closed to make room) until it ends
    try:
        try:
            if cut is not None and cut():  # a stop from now on finds it in `connecting`
                return NOT_SENT
            try:
                conn = await pool.connection(target)
                taken = True
            except asyncio.CancelledError:
                if handle not in running.stopped or (task is not None and task.uncancel()):
                    raise  # cancelled from elsewhere too (the console quits): not ours to hide
                return NOT_SENT
            running.connecting[handle] = None  # its session opens: not cut from here on
            # Stopped, detached (or hung up, `cut`) as its connection opened: not sent.
            if handle in running.stopped or (cut is not None and cut()):
                return NOT_SENT
            # stdin stays open and unused: its EOF is how the remote supervisor learns that
            # the session is gone (see runner.supervised); the command reads /dev/null.
            session = CommandSession(emit, running.deadlines)
            channel, _ = await conn.create_session(
                lambda: session, command, encoding="utf-8", errors="replace"
            )
        except HostFailure as failure:
            return ExecResult.of(failure)
        except asyncssh.ChannelOpenError as exc:  # refused before the command was sent
            return ExecResult(FailureClass.UNREACHABLE, f"no session opened, nothing sent: {exc}")
        except (asyncssh.Error, OSError) as exc:  # its exec request may have gone out
            return _lost(pool, target, str(exc) or "lost")
        finally:
            running.connecting.pop(handle, None)
            how = running.stopped.pop(handle, None)
        running.channels[handle] = (channel, session)
        try:
            # Stopped or detached while its session opened: its command went out, and is
            # stopped (or let be) as the others were.
            if how == STOPPED:
                await stop(channel)
            elif how == DETACHED:
                await _detach(channel, session)
            result = await _collect(channel, session, limit)
        finally:
            running.channels.pop(handle, None)
        if result.failure is FailureClass.CONNECTION_LOST:
            return _lost(pool, target, result.detail or "lost")
        return result
    finally:
        if taken:
            pool.done_with(target)


def _lost(pool: SshPool, target: Target, detail: str) -> ExecResult:
    """A connection lost mid-command, dropped so the next use reconnects; one lost with
    the jump host it went through says so: the cause was on the way, not on the host."""
    pool.forget(target.name)
    jump = pool.lost_with(target)
    if jump is not None:
        detail += f" (the connection to its jump host {jump} was lost with it)"
    return ExecResult(FailureClass.CONNECTION_LOST, detail)


async def _collect(channel: Channel, session: CommandSession, limit: float) -> ExecResult:
    """The output's end within `limit`, then the exit within `limit` again."""
    if not await session.settled(limit):
        await stop(channel)  # its output is still heard while it stops
        session.silence()
        return timed_out(limit)
    if session.lost is not None:
        return ExecResult(FailureClass.CONNECTION_LOST, str(session.lost) or "lost")
    return classify(channel.get_exit_status(), channel.get_exit_signal())


async def stop(channel: Channel) -> None:
    """TERM, then KILL after a grace period, then close the channel."""
    for name in ("TERM", "KILL"):
        with contextlib.suppress(Exception):
            channel.send_signal(name)
        try:
            await asyncio.wait_for(channel.wait_closed(), KILL_GRACE_SECONDS)
            return
        except TimeoutError:
            continue
    channel.close()


async def run(
    pool: SshPool, target: Target, command: str, timeout: float
) -> asyncssh.SSHCompletedProcess:
    """A short command's completed process (probes, checks), run under the supervisor
    like any other: on timeout its channel is closed, which stops it on the host. A lost
    connection is forgotten."""
    conn = await pool.connection(target)
    try:
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
    finally:
        pool.done_with(target)


def classify_exit(completed: asyncssh.SSHCompletedProcess) -> ExecResult:
    """An exit status or signal: success, non-zero exit, signal, or lost."""
    return classify(completed.exit_status, completed.exit_signal)


def classify(status: int | None, signal: tuple[str, bool, str, str] | None) -> ExecResult:
    """How a channel ended, from its exit status and exit signal."""
    if signal:
        return killed(signal[0])
    if status is None or status < 0:
        return ExecResult(FailureClass.CONNECTION_LOST, "the channel closed without an exit status")
    return exited(status)
