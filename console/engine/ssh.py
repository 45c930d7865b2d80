"""One SSH connection per host, and one per jump host, for the life of an incident."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.engine.destination import Destination, Resolver, RouteError
from console.engine.ending import Emit
from console.engine.failures import ExecResult, HostFailure
from console.engine.file_room import FileRoom
from console.engine.io_loop import InlineIo, IoThread, Relay
from console.engine.key_on_route import unknown_on_the_way
from console.engine.login_drops import Drops
from console.engine.open_connections import OpenConnections
from console.engine.proxy_command import end_all
from console.engine.shared_dials import SharedDials
from console.engine.targets import Target
from console.model.inventory import SshDefaults
from console.model.status import FailureClass

if TYPE_CHECKING:
    import asyncssh

    from console.engine.dial import Accepted, Dialer
    from console.engine.remote import Running

CLOSE_SECONDS = 2.0  # to wait for the connections' ends once closed, all together


def _retrieved(task: asyncio.Task[asyncssh.SSHClientConnection]) -> None:
    """A dial nobody waited for (the host never started) is not an unhandled error."""
    if not task.cancelled():
        task.exception()


class SshPool:
    """Connects lazily, reuses connections, shares each jump host, caps handshakes.

    Every destination is resolved once through ssh_config (engine/destination.py) and
    gets its asyncssh options once (keys loaded, known_hosts parsed once per change).
    With `threaded`, all SSH I/O runs on an event loop of its own in a thread (the TUI's
    loop stays free to draw); callers use the same async methods either way. asyncssh
    and the modules over it are imported by the first connection, on that loop: not on
    the console's way to its first frame (~15 % of it, bench/RESULTS.md).
    """

    def __init__(self, defaults: SshDefaults, threaded: bool = False):
        self.defaults = defaults
        # exec's: each host runs one command, its connection closed as that command ends
        # (a one-shot client's way): no keepalives to the hosts done while others run.
        self.one_command = False
        self._ended: list[asyncssh.SSHClientConnection] = []  # closed, waited for at `close`
        self._io = IoThread() if threaded else InlineIo()
        self._running: Running | None = None  # made by the first command
        self.resolver = Resolver(defaults)
        self._dialer: Dialer | None = None  # made by the first connection
        self._conns = OpenConnections()
        # The open files for connections, and commands on the jump host: never more.
        self.files = FileRoom(lambda: self._conns.files + self._conns.under_way, self._make_room)
        self._dials = SharedDials(defaults, self._conns, self.files, lambda: self.dialer)
        self._connections = self._conns.open
        self._drops = self._conns.drops
        self._dialing: dict[
            str, asyncio.Task[asyncssh.SSHClientConnection]
        ] = {}  # connections started ahead of use

    def destination(self, target: Target) -> Destination:
        """Where `target` really goes; raises RouteError for a route that cannot be followed."""
        return self.resolver.resolve(target.alias, target.preset())

    # -- the public face: each call runs on the I/O loop ----------------------------------

    async def execute(
        self,
        target: Target,
        command: str,
        limit: float,
        on_output: Emit,
        handle: str,
        cut: Callable[[], bool] | None = None,
    ) -> ExecResult:
        """Run `command` on `target` within `limit` seconds; output blocks reach
        `on_output(stream, lines)` on the caller's loop, all before this returns.
        How it ended comes back; `handle` lets `stop` find the process; nothing is sent
        if `cut()` says it was stopped (or detached) before it reached the I/O loop."""
        relay = Relay(on_output)
        result = await self._io.call(
            self._execute(target, command, limit, self._io.forward(relay), handle, cut)
        )
        if relay.failure is not None:
            raise relay.failure  # the output could not be journalled: stop, say so
        return result

    async def dial(self, targets: list[Target]) -> None:
        """Start connecting to `targets` now, in the background, and return at once: the
        handshakes overlap the journal's write-ahead, and the first command on each host
        waits for its own attempt (a failure is reported once, to that command). Nothing
        is sent to a host by this."""
        await self._io.call(self._dial(targets))

    async def stop(self, handles: list[str]) -> None:
        """TERM (then KILL) the processes started under `handles`, and wait for them;
        those still reaching their host are sent nothing, and their dials are cut, as are
        the dials nobody waits for yet (hosts that will not start now)."""
        if self._running is not None or self._dialing:  # else nothing started (no thread)
            await self._io.call(self._stop(handles))

    async def hold(self, handles: list[str]) -> None:
        """Those of `handles` still reaching their host are sent nothing (their dials
        cut); a command sent, or being sent, goes on."""
        if self._running is not None:
            await self._io.call(self._running.hold(handles))

    async def detach(self, handles: list[str]) -> list[str]:
        """Let the processes started under `handles` outlive this session. Those of
        `handles` with no session: still reaching their host, or not on the I/O loop
        yet; they are sent nothing."""
        if self._running is None:
            return list(handles)
        return await self._io.call(self._running.detach(handles))

    async def run(
        self, target: Target, command: str, timeout: float, drops: Drops | None = None
    ) -> asyncssh.SSHCompletedProcess:
        """A short command's completed process; raises HostFailure (its dial's dropped
        logins in its `drops`) or asyncssh errors. `drops` gains the logins dropped by the
        dial of the connection it was the first to use."""
        return await self._io.call(self._run(target, command, timeout, drops))

    async def accept_host_key(self, target: Target, fingerprint: str) -> Accepted | None:
        """Trust the first UNKNOWN key on the way to `target` (a jump host's, or its
        own), if it still has the fingerprint the person saw; None if it is trusted already."""
        return await self._io.call(self._accept_host_key(target, fingerprint))

    async def close(self) -> None:
        proxies = self._dialer is not None and self._dialer.proxies  # failed dials' too
        if self._connections or self._dialing or self._ended or proxies:  # else nothing
            await self._io.call(self._close())
        await self._io.close()

    # -- on the I/O loop ------------------------------------------------------------------

    @property
    def dialer(self) -> Dialer:
        """Connection options and dials: asyncssh's, imported at the first connection."""
        if self._dialer is None:
            from console.engine.dial import Dialer

            self._dialer = Dialer(self.defaults)
        return self._dialer

    async def _execute(
        self,
        target: Target,
        command: str,
        limit: float,
        emit: Emit,
        handle: str,
        cut: Callable[[], bool] | None,
    ) -> ExecResult:
        from console.engine import remote

        if self._running is None:
            self._running = remote.Running()
        running = self._running
        try:
            ended = await remote.execute(self, running, target, command, limit, emit, handle, cut)
            if drops := self._drops.pop(target.name, None):  # its connection's first use
                return ended._replace(dropped=tuple(drops.items()))
            return ended
        finally:
            if self.one_command and (conn := self._conns.drop(target.name)):
                conn.close()
                self._ended.append(conn)

    async def _run(
        self, target: Target, command: str, timeout: float, drops: Drops | None
    ) -> asyncssh.SSHCompletedProcess:
        from console.engine import remote

        try:
            return await remote.run(self, target, command, timeout)
        finally:  # the first use of its connection: its dial's drops are this check's
            if (said := self._drops.pop(target.name, None)) and drops is not None:
                drops.update(said)

    async def _stop(self, handles: list[str]) -> None:
        for task in self._dialing.values():  # a later use dials again
            task.cancel()
        self._dialing.clear()
        if self._running is not None:
            await self._running.stop(handles)

    async def _dial(self, targets: list[Target]) -> None:
        for target in targets:
            if target.name not in self._dialing and not self._is_open(target.name):
                task = asyncio.ensure_future(self._connect(target))
                task.add_done_callback(_retrieved)
                self._dialing[target.name] = task

    def _is_open(self, name: str) -> bool:
        conn = self._connections.get(name)
        return conn is not None and not conn.is_closed()

    async def connection(self, target: Target) -> asyncssh.SSHClientConnection:
        """The host's open connection, made on first use (or by `dial`), in use (never
        closed to make room) until `done_with`; raises HostFailure."""
        conn = await self._connection(target)
        self._conns.take(target.name)
        return conn

    def done_with(self, target: Target) -> None:
        """A command or check `connection` was taken for has ended."""
        self._conns.give_back(target.name)

    async def _connection(self, target: Target) -> asyncssh.SSHClientConnection:
        dialing = self._dialing.pop(target.name, None)
        if dialing is not None and not dialing.cancelled():
            conn = await dialing  # its failure is this host's, reported here once
            if self._conns.get(target.name) is conn and not conn.is_closed():
                return conn  # (not closed meanwhile to make room)
        opened = self._connections.get(target.name)
        if opened is not None and not opened.is_closed():
            return opened  # open already (a later step): no route to resolve, no lock to take
        return await self._connect(target)

    async def _connect(self, target: Target) -> asyncssh.SSHClientConnection:
        try:
            dest = self.destination(target)
        except RouteError as exc:
            raise HostFailure(FailureClass.UNREACHABLE, str(exc)) from None
        return await self._dials.shared(target.name, dest)

    @property
    def handshakes_done(self) -> int:
        return self._dials.handshakes_done

    def closed_for_files(self) -> dict[str, int]:
        """How many idle connections were closed to make room since last asked, and the
        limit (`wave.finished`'s), or nothing."""
        closed = self._conns.said()
        return {"closed_for_files": closed, "open_files": self.files.limit} if closed else {}

    async def _make_room(self, files: int) -> bool:
        """For a command on the jump host: idle connections closed until `files` fit."""

        async def close() -> bool:
            await self._conns.close_idle(files - self.files.left())
            return self.files.left() >= files

        return await self._io.call(close())

    async def check_host_key(self, target: Target, fingerprint: str) -> None:
        """Raise HostFailure if `accept_host_key` would refuse `fingerprint` from what is
        here alone (its route, known_hosts): no host is dialled."""
        await self._io.call(unknown_on_the_way(self, target, fingerprint))

    async def _accept_host_key(self, target: Target, fingerprint: str) -> Accepted | None:
        unknown = await unknown_on_the_way(self, target, fingerprint)
        if unknown is None:
            return None
        tunnel = None
        if unknown.jump is not None:
            tunnel = await self._dials.shared(unknown.jump, unknown.jump)
        with self._dials.holding(unknown.jump):
            return await self.dialer.accept(unknown, fingerprint, tunnel)

    def forget(self, name: str) -> None:
        """Drop a connection that broke, so the next use reconnects."""
        conn = self._conns.drop(name)
        if conn is not None:
            conn.abort()

    def lost_with(self, target: Target) -> str | None:
        """The jump host on the way to `target` whose shared connection is gone: a host
        lost mid-command behind it was cut off with it (every host behind it at once)."""
        try:
            hops = self.destination(target).hops
        except RouteError:
            return None
        for hop in hops:
            conn = self._connections.get(hop)
            if conn is not None and conn.is_closed():
                return hop.alias
        return None

    async def _close(self) -> None:
        for task in self._dialing.values():
            task.cancel()
        self._dialing.clear()
        # Hosts before the jump hosts they are tunnelled through.
        conns = sorted(self._connections.items(), key=lambda kv: isinstance(kv[0], Destination))
        for _, conn in conns:
            conn.close()
        # exec's, each closed as its command ended: waited for, not closed again (a second
        # close sent its disconnect again, logged twice: issue 18).
        conns += [(None, conn) for conn in self._ended]
        self._conns.clear()
        self._ended.clear()
        # One deadline for all of them (one timer, not one a host; and 2 s in all at
        # worst, not 2 s a host that does not close).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_SECONDS):
                for _, conn in conns:
                    with contextlib.suppress(Exception):
                        await conn.wait_closed()
        await end_all(self._dialer.proxies if self._dialer else None, CLOSE_SECONDS)
