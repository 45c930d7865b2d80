"""The pool's open connections: the files each holds, which are in use, and which have
been idle longest.

Where open files run short (a host to dial, a command to start on the jump host), idle
connections are closed to make room, the one idle longest first, never one a command or
a check is using; their hosts are dialled again when next used. A connection tunnelled
through a jump host holds no file of its own, but its use holds the jump host's: a jump
host nobody uses is closed as a host is, with the idle hosts tunnelled through it, but only
where closing those that carry no other host does not make the room (each host behind it
would be dialled again, for the one file a host dialled directly gives back). (They
were never closed: under `ulimit -n 64`, 40 hosts each behind a jump host of its own read
'not dialled' past the 32nd, after waiting for the others' commands, whose end freed
nothing.) Under `ulimit -n 256`, the picker's SSH check of 300
hosts kept 224 connections open, the room beside the console's own files: the other 76
read 'not dialled: no open files left', up as they were, and every command on the jump
host afterwards 'not started: this process's open files ran out', where headless `run`,
with no check before it, had 300 ok.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
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
        self.under_way = 0  # held by handshakes under way
        self._via: dict[object, tuple[object, ...]] = {}  # the jump hosts each is tunnelled through
        self._carried: dict[object, int] = {}  # open connections tunnelled through each
        # commands, checks and handshakes using each (a jump host: through the hosts behind it)
        self._users: dict[object, int] = {}
        self._idle: dict[object, None] = {}  # connections nobody uses: idle longest first
        # Each connection's dial's logins an sshd dropped (each tried again), until its
        # first use says them (a command, a check); gone with it, if closed unused.
        self.drops: dict[object, Drops] = {}
        self.closed_for_room = 0  # since last asked (`said`)
        self._changed: asyncio.Event | None = None

    def get(self, key: object) -> asyncssh.SSHClientConnection | None:
        return self.open.get(key)

    def keep(
        self,
        key: object,
        conn: asyncssh.SSHClientConnection,
        files: int,
        drops: Drops,
        via: tuple[object, ...] = (),
    ) -> None:
        """`conn` is `key`'s now, tunnelled through the jump hosts `via` (idle until used:
        a dial made ahead of its command may be closed to make room too, the last of them)."""
        self.drop(key)
        self.open[key] = conn
        self._files[key] = files
        self._via[key] = via
        for jump in via:
            self._carried[jump] = self._carried.get(jump, 0) + 1
        self.files += files
        if drops:
            self.drops[key] = drops
        if not self._users.get(key):
            self._idle[key] = None
        self.changed_now()

    def drop(self, key: object) -> asyncssh.SSHClientConnection | None:
        """`key`'s connection, no longer the pool's (the caller closes it)."""
        conn = self.open.pop(key, None)
        self.drops.pop(key, None)
        if conn is not None:
            self.files -= self._files.pop(key)
            self._idle.pop(key, None)
            for jump in self._via.get(key, ()):
                self._carried[jump] -= 1
            self.changed_now()
        return conn

    def clear(self) -> None:
        self.open.clear()
        self._files.clear()
        self._idle.clear()
        self._carried.clear()
        self.drops.clear()
        self.files = 0

    def take(self, key: object) -> None:
        """A command, a check or a handshake uses `key`'s connection, and so the jump
        hosts it is tunnelled through: none of them is closed to make room."""
        for used in (key, *self._via.get(key, ())):
            self._users[used] = self._users.get(used, 0) + 1
            self._idle.pop(used, None)

    def give_back(self, key: object) -> None:
        for used in (key, *self._via.get(key, ())):
            users = self._users.get(used, 0) - 1
            if users > 0:
                self._users[used] = users
                continue
            self._users.pop(used, None)
            if used in self.open:
                self._idle.pop(used, None)
                self._idle[used] = None  # idle from now: the last to close
        self.changed_now()

    def frees_files(self) -> bool:
        """Whether a connection in use holds files: its end may free them (a host's
        tunnelled through a jump host: the jump host's, if it was the last to use it)."""
        return any(self._files.get(key) for key in self._users)

    async def room_for(self, files: int, left: Callable[[], int]) -> bool:
        """Room for `files` more than `left()`, counted under way (a handshake's) until
        `dialled`: idle connections closed to make it; while every one holding files is in
        use (or a handshake under way), the room one of them leaves waited for. False where
        none will leave any (only commands on the jump host hold it, or connections whose
        end frees no file)."""
        while left() < files:  # each turn ends on a connection given back, kept or dropped
            await self.close_idle(files - left())
            if left() >= files:
                break
            if not self.frees_files() and not self.under_way:
                return False
            await self.changed()
        self.under_way += files
        return True

    def dialled(self, files: int) -> None:
        """A handshake that held `files` under way has ended."""
        self.under_way -= files
        if files:
            self.changed_now()  # a dial waiting for room looks again

    async def close_idle(self, short: int) -> None:
        """Close idle connections holding files, the one idle longest first, until they
        hold `short` files: those that carry no other first, then jump hosts' with the
        idle ones tunnelled through them; returns once those are closed (CLOSE_SECONDS at
        most, then aborted), counted held until then."""
        closing: list[asyncssh.SSHClientConnection] = []
        held = 0
        for carrying in (False, True):
            for key in list(self._idle):
                if held >= short:
                    break
                files = self._files.get(key, 0)  # none: tunnelled, closed with its jump host
                if not files or bool(self._carried.get(key)) != carrying:
                    continue
                through = [self.drop(each) for each in self._through(key)] if carrying else []
                own = self.drop(key)
                if own is not None and not own.is_closed():  # (else its files are)
                    held += files
                    self.files += files  # until closed: no dial takes them before
                ending = [c for c in (*through, own) if c is not None and not c.is_closed()]
                for conn in ending:
                    conn.close()
                closing += ending
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

    def _through(self, jump: object) -> list[object]:
        """The open connections tunnelled through `jump`."""
        return [key for key in self.open if jump in self._via.get(key, ())]

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
