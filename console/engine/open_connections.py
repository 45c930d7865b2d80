"""The pool's open connections: the files each holds, which are in use, and which have
been idle longest.

Where open files run short (a host to dial, a command to start on the jump host), idle
connections are closed to make room, the one idle longest first, never one a command or
a check is using (nor one tunnelled through a jump host: it holds no file); their hosts
are dialled again when next used. Under `ulimit -n 256`, the picker's SSH check of 300
hosts kept 224 connections open, the room beside the console's own files: the other 76
read 'not dialled: no open files left', up as they were, and every command on the jump
host afterwards 'not started: this process's open files ran out', where headless `run`,
with no check before it, had 300 ok.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncssh

    from console.engine.destination import Destination
    from console.engine.login_drops import Drops

CLOSE_SECONDS = 2.0  # for idle connections closed to make room to close, all together


def files_of(dest: Destination) -> int:
    """The open files a connection to `dest` holds: a socket; a proxy command's socket and
    its stderr pipe; none tunnelled through a jump host (a channel of its connection)."""
    if dest.jump is not None:
        return 0
    return 2 if dest.proxy_command else 1


class OpenConnections:
    """One connection a key (a host's name, or a jump host's Destination), with what it
    holds; `files` is read from the console's loop too (a sum kept, never a walk)."""

    def __init__(self) -> None:
        self.open: dict[object, asyncssh.SSHClientConnection] = {}
        self._files: dict[object, int] = {}
        self.files = 0  # held by the open ones
        self._users: dict[object, int] = {}  # commands and checks using each
        self._idle: dict[object, None] = {}  # host connections nobody uses: idle longest first
        # Each connection's dial's logins an sshd dropped (each tried again), until its
        # first use says them (a command, a check); gone with it, if closed unused.
        self.drops: dict[object, Drops] = {}
        self.closed_for_room = 0  # since last asked (`said`)
        self._changed: asyncio.Event | None = None

    def get(self, key: object) -> asyncssh.SSHClientConnection | None:
        return self.open.get(key)

    def keep(
        self, key: object, conn: asyncssh.SSHClientConnection, files: int, drops: Drops
    ) -> None:
        """`conn` is `key`'s now (idle until used, if a host's: a dial made ahead of its
        command may be closed to make room too, the last of them)."""
        self.drop(key)
        self.open[key] = conn
        self._files[key] = files
        self.files += files
        if drops:
            self.drops[key] = drops
        if isinstance(key, str) and not self._users.get(key):
            self._idle[key] = None
        self.changed_now()

    def drop(self, key: object) -> asyncssh.SSHClientConnection | None:
        """`key`'s connection, no longer the pool's (the caller closes it)."""
        conn = self.open.pop(key, None)
        self.drops.pop(key, None)
        if conn is not None:
            self.files -= self._files.pop(key)
            self._idle.pop(key, None)
            self.changed_now()
        return conn

    def clear(self) -> None:
        self.open.clear()
        self._files.clear()
        self._idle.clear()
        self.drops.clear()
        self.files = 0

    def take(self, key: object) -> None:
        """A command or check uses `key`'s connection: it is not closed to make room."""
        self._users[key] = self._users.get(key, 0) + 1
        self._idle.pop(key, None)

    def give_back(self, key: object) -> None:
        users = self._users.get(key, 0) - 1
        if users > 0:
            self._users[key] = users
            return
        self._users.pop(key, None)
        if key in self.open:
            self._idle.pop(key, None)
            self._idle[key] = None  # idle from now: the last to close
        self.changed_now()

    def in_use(self) -> bool:
        return bool(self._users)

    async def close_idle(self, short: int) -> None:
        """Close idle connections holding files, the one idle longest first, until they
        hold `short` files; returns once those are closed (CLOSE_SECONDS at most, then
        aborted), counted held until then."""
        closing, held = [], 0
        for key in list(self._idle):
            if held >= short:
                break
            if files := self._files.get(key, 0):
                conn = self.drop(key)
                if conn is not None and not conn.is_closed():  # (else its files are)
                    conn.close()
                    closing.append(conn)
                    held += files
                    self.files += files  # until closed: no dial takes them before
        if not closing:
            return
        self.closed_for_room += len(closing)
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                for conn in closing:
                    with contextlib.suppress(Exception):
                        await conn.wait_closed()
        except TimeoutError:
            for conn in closing:
                conn.abort()
        finally:
            self.files -= held
            self.changed_now()

    async def changed(self) -> None:
        """Until a connection is given back, kept or dropped (or `changed_now`)."""
        if self._changed is None:
            self._changed = asyncio.Event()
        await self._changed.wait()

    def changed_now(self) -> None:
        """Wake those waiting for room (a handshake ended, its files let go)."""
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def said(self) -> int:
        """Connections closed to make room since last asked."""
        closed, self.closed_for_room = self.closed_for_room, 0
        return closed
