"""Connections and commands on the jump host within the open files this process may have.

Each connection is a socket (a handshake under way too), and a run keeps each host's to
its last step. With 64 open files, 80 hosts dialled at once took every one: the console's
own next file (a module to import, the journal) failed, 'internal error: OSError: [Errno
24] Too many open files', where the hosts past the limit should each read that this jump
host ran out of open files, and that nothing was sent.

A command on the jump host (`runs_on = "jump-host"`) holds three pipes while it runs. Under
`ulimit -n 256`, 300 hosts' commands started at once (`max_commands`, 200) read 'cannot
start: [Errno 24] Too many open files' past the 80th, their hosts failed for nothing of
theirs: they now wait their turn, as handshakes do, with at most half of the room between
them (the other half for connections). Where idle connections hold the room they need,
the pool closes some (engine/open_connections.py)."""

from __future__ import annotations

import asyncio
import resource
import sys
from collections.abc import Awaitable, Callable

OWN_FILES = 32  # beside its connections (exec held ~10 at 1,000 hosts): the journal, stdio, ...
PROCESS_FILES = 3  # a command on the jump host: its stdin, stdout and stderr pipes


def connections_room(soft: int) -> int:
    """The open files left for connections beside the console's own (at least 1)."""
    return sys.maxsize if soft == resource.RLIM_INFINITY else max(1, soft - OWN_FILES)


def handshakes_at_once(max_handshakes: int, room: int) -> int:
    """`max_handshakes`, or half of `room` (the other half for connections done), whichever
    is fewer; at least 1."""
    return max(1, min(max_handshakes, room // 2))


class FileRoom:
    """The open files beside the console's own, held by connections (counted by the SSH
    pool, on its I/O thread) and by commands on the jump host (counted here, on the
    console's loop): each side reads the other's count as it takes more."""

    def __init__(
        self,
        connections: Callable[[], int] = lambda: 0,
        make_room: Callable[[int], Awaitable[bool]] | None = None,
    ):
        self.limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]  # `ulimit -n`
        self.size = connections_room(self.limit)
        self.connections = connections  # the files held by those open, or being opened
        self.make_room = make_room  # closes idle connections until that many files fit
        self.processes = 0  # commands on the jump host running
        self._ended = asyncio.Condition()  # a command ended, or a stop came

    def left(self) -> int:
        return self.size - self.connections() - self.processes * PROCESS_FILES

    def processes_at_once(self, max_commands: int) -> int:
        """`max_commands`, or as many as half the room holds, whichever is fewer; at
        least 1."""
        return max(1, min(max_commands, self.size // 2 // PROCESS_FILES))

    async def turn(self, at_once: int, cut: Callable[[], bool]) -> tuple[bool, bool]:
        """Wait until one more command on the jump host fits: fewer than `at_once` run, and
        its pipes fit in what is left. (True, whether it waited) with the command counted
        (`ended` once it has); (False, ...) where none will fit (no command runs, to free
        files, nor is any connection idle: connections in use hold them), or once `cut()`
        says it is not to start."""
        async with self._ended:
            waited = False
            while not cut() and (self.processes >= at_once or self.left() < PROCESS_FILES):
                if self.processes < at_once and await self._room_made():
                    continue
                if not self.processes:
                    self._ended.notify()  # the next waiter finds the same
                    return False, waited
                waited = True
                await self._ended.wait()
            if cut():
                if waited:  # woken for a room it does not take: the next waiter may
                    self._ended.notify()
                return False, waited
            self.processes += 1
            return True, waited

    async def _room_made(self) -> bool:
        return self.make_room is not None and await self.make_room(PROCESS_FILES)

    async def ended(self) -> None:
        async with self._ended:
            self.processes -= 1
            self._ended.notify()

    async def cut(self) -> None:
        """A stop or a detach came: the commands waiting their turn look at `cut` again."""
        async with self._ended:
            self._ended.notify_all()
