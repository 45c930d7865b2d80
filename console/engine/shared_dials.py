"""One connection a key (a host's name, or a jump host's Destination), dialled once for
all who want it, within the caps on handshakes and the open files; a dial through a jump
host uses its connection (never closed to make room meanwhile: engine/open_connections.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from console.engine.destination import Destination
from console.engine.failures import HostFailure, at_jump_host_said, out_of_files
from console.engine.file_room import FileRoom, handshakes_at_once
from console.engine.login_drops import Drops, at_jump_host
from console.engine.open_connections import OpenConnections, files_of
from console.model.inventory import SshDefaults
from console.model.status import FailureClass

if TYPE_CHECKING:
    import asyncssh

    from console.engine.dial import Dialer

log = logging.getLogger(__name__)
_NO_CAP = contextlib.nullcontext()


def _since(start: float) -> float:
    return time.monotonic() - start


class SharedDials:
    """Dials made for the pool's connections (`conns`), `files` their room."""

    def __init__(
        self,
        defaults: SshDefaults,
        conns: OpenConnections,
        files: FileRoom,
        dialer: Callable[[], Dialer],
    ) -> None:
        self._conns, self._files, self._dialer = conns, files, dialer
        at_once = handshakes_at_once(defaults.max_handshakes, files.size)
        self._handshakes = asyncio.Semaphore(at_once)
        self._room_turns = asyncio.Semaphore(at_once)  # dials waiting for open files
        self._proxied = asyncio.Semaphore(defaults.max_proxy_handshakes)  # of them, by ProxyCommand
        self._locks: dict[object, asyncio.Lock] = {}
        self._failed: dict[object, tuple[float, HostFailure]] = {}  # latest failed attempt
        self.handshakes_done = 0

    async def shared(self, key: object, dest: Destination) -> asyncssh.SSHClientConnection:
        """One connection per key (a host's name, or a jump host's Destination).

        Callers that queued behind an attempt that failed get its failure: a host (or a
        bastion) that does not answer costs one timeout, not one per waiting caller."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        asked = time.monotonic()
        async with lock:
            conn = self._conns.get(key)
            if conn is not None and not conn.is_closed():
                return conn
            failed = self._failed.get(key)
            if failed is not None and failed[0] >= asked:
                raise HostFailure(failed[1].failure, failed[1].detail, failed[1].fingerprint)
            drops: Drops = {}
            try:
                conn = await self._open(dest, drops)
            except HostFailure as failure:
                self._conns.drops.pop(key, None)  # an earlier dial's, its connection closed
                if isinstance(key, Destination):
                    failure = HostFailure(
                        failure.failure,
                        at_jump_host_said(dest.alias, failure.detail),
                        failure.fingerprint,
                    )
                    self._conns.drops[key] = drops  # the host that dialled it says them
                else:
                    failure.drops = drops  # this dial's, said by its failure
                self._failed[key] = (time.monotonic(), failure)
                log.debug("%s: not connected after %.3f s: %s", dest.alias, _since(asked), failure)
                raise failure from None
            log.debug("%s: connected in %.3f s", dest.alias, _since(asked))
            self._conns.keep(key, conn, files_of(dest), drops, tuple(dest.hops))
            return conn

    async def _open(self, dest: Destination, drops: Drops) -> asyncssh.SSHClientConnection:
        """A new connection to `dest`; `drops` gains the logins dropped on its way, its
        jump host's own among them where this dial opened that one's connection."""
        options = self._dialer().options(dest)
        proxied = self._proxied if dest.proxy_command and dest.jump is None else _NO_CAP
        files = files_of(dest)
        tunnel = await self._tunnel(dest, drops)
        with self.holding(dest.jump):
            # The room first (its own turns: as many as handshakes wait for it at once), then
            # a handshake's turn: waiting for room while holding a handshake's turn, a dial
            # could wait on a jump host held by a dial waiting for that turn.
            async with self._room_turns if files else _NO_CAP:
                if not await self._conns.room_for(files, self._files.left):
                    raise HostFailure(FailureClass.UNREACHABLE, out_of_files())  # else EMFILE
            try:
                async with proxied, self._handshakes:  # each a login on the proxy's bastion too
                    conn = await self._dialer().connect(dest, options, tunnel, drops)
            finally:
                self._conns.dialled(files)
        self.handshakes_done += 1
        return conn

    async def _tunnel(self, dest: Destination, drops: Drops) -> asyncssh.SSHClientConnection | None:
        """The shared connection of the jump host `dest` is reached through, if any."""
        if dest.jump is None:
            return None
        try:
            return await self.shared(dest.jump, dest.jump)
        finally:  # the jump host's dial was this one's (else another host's took them)
            if jumped := self._conns.drops.pop(dest.jump, None):
                drops[at_jump_host(dest.jump.alias)] = sum(jumped.values())

    @contextlib.contextmanager
    def holding(self, jump: Destination | None) -> Iterator[None]:
        """A dial through `jump` uses its connection, from the moment it has it: not closed
        to make room while the dial waits its turn."""
        if jump is None:
            yield
            return
        self._conns.take(jump)
        try:
            yield
        finally:
            self._conns.give_back(jump)
