"""Which connections are closed to make room for open files: the ones idle longest first,
never one a command or a check is using, never one that holds no file (tunnelled through
a jump host) but with its jump host's, and their files counted as held until they are
closed (the real fleet's cases: tests/test_open_files_sshd.py,
tests/test_open_files_jump_sshd.py, tests/test_file_room_console_sshd.py)."""

from __future__ import annotations

import asyncio

import pytest

from console.engine.open_connections import OpenConnections


class Conn:
    """What the pool asks of a connection here: close it, and know when it has."""

    def __init__(self, closes: bool = False) -> None:
        self.closed = asyncio.Event()
        self.asked = False
        self.closes = closes  # at once, when asked

    def close(self) -> None:
        self.asked = True
        if self.closes:
            self.closed.set()

    def is_closed(self) -> bool:
        return self.closed.is_set()

    async def wait_closed(self) -> None:
        await self.closed.wait()

    def abort(self) -> None:
        self.closed.set()


async def test_the_ones_idle_longest_close_first_never_one_in_use() -> None:
    conns = OpenConnections()
    made = {name: Conn() for name in ("web-1", "web-2", "web-3", "web-4", "behind-jump")}
    made["web-2"].closes = True
    for name, conn in made.items():
        conns.keep(name, conn, 0 if name == "behind-jump" else 1, {})  # type: ignore[arg-type]
    conns.take("web-1")  # a command on it
    conns.take("web-2")
    conns.give_back("web-2")  # idle since now: after web-3 and web-4
    assert conns.files == 4

    closing = asyncio.ensure_future(conns.close_idle(2))
    await asyncio.sleep(0)
    assert [n for n, c in made.items() if c.asked] == ["web-3", "web-4"]
    assert conns.files == 4  # held until they are closed: no dial takes them before
    for name in ("web-3", "web-4"):
        made[name].closed.set()
    await closing
    assert conns.files == 2 and conns.said() == 2 and conns.said() == 0
    assert set(conns.open) == {"web-1", "web-2", "behind-jump"}

    await conns.close_idle(5)  # as many as there are: web-1 is in use, behind-jump holds none
    assert [n for n, c in made.items() if c.asked] == ["web-2", "web-3", "web-4"]
    assert set(conns.open) == {"web-1", "behind-jump"}


async def test_a_dials_drops_go_with_its_connection() -> None:
    conns = OpenConnections()
    conns.keep("web-1", Conn(closes=True), 1, {"sshd": 2})  # type: ignore[arg-type]
    assert conns.drops == {"web-1": {"sshd": 2}}
    await conns.close_idle(1)  # closed unused: no later command says them
    assert conns.drops == {}


async def test_a_jump_host_nobody_uses_is_closed_with_the_hosts_tunnelled_through_it() -> None:
    """A jump host's connection holds a file; a host tunnelled through it none, but its use
    holds the jump host's (main: a jump host's connection was never closed, and a dial
    waited for tunnelled commands as if their end freed a file)."""
    conns = OpenConnections()
    gw1, gw2 = object(), object()  # two jump hosts' keys, as their Destinations are
    made = {key: Conn(closes=True) for key in (gw1, "a-1", "a-2", gw2, "b-1", "c-1")}
    conns.keep(gw1, made[gw1], 1, {})  # type: ignore[arg-type]
    conns.keep(gw2, made[gw2], 1, {})  # type: ignore[arg-type]
    for host, via in (("a-1", gw1), ("a-2", gw1), ("b-1", gw2)):
        conns.keep(host, made[host], 0, {}, (via,))  # type: ignore[arg-type]
    conns.keep("c-1", made["c-1"], 1, {})  # type: ignore[arg-type]
    conns.take("a-1")  # a command through gw1: gw1 is in use, its end may free gw1's file
    conns.take("c-1")
    assert conns.frees_files()

    await conns.close_idle(1)  # gw2, idle longest of those holding files, with b-1
    assert [k for k, c in made.items() if c.asked] == [gw2, "b-1"]
    assert set(made) - set(conns.open) == {gw2, "b-1"} and conns.said() == 2
    await conns.close_idle(1)  # gw1 is in use through a-1; c-1 by its own command
    assert set(made) - set(conns.open) == {gw2, "b-1"} and conns.files == 2

    conns.give_back("c-1")
    conns.give_back("a-1")  # gw1 idle now, after c-1
    await conns.close_idle(1)
    assert set(conns.open) == {gw1, "a-1", "a-2"}
    await conns.close_idle(1)  # gw1, a-1 and a-2 with it
    assert conns.open == {} and conns.files == 0 and conns.said() == 4

    conns.keep("d-1", Conn(), 0, {}, (gw1,))  # type: ignore[arg-type]
    conns.take("d-1")  # its jump host's connection gone (lost): its end frees no file
    assert not conns.frees_files()


async def test_a_dial_waits_for_room_only_while_a_use_may_free_it() -> None:
    """A dial short of room waits while a command through a jump host holds that jump
    host's file, and takes the room its end leaves; with no such use it is refused at
    once."""
    conns = OpenConnections()
    gw = object()
    conns.keep(gw, Conn(closes=True), 1, {})  # type: ignore[arg-type]
    conns.keep("a-1", Conn(closes=True), 0, {}, (gw,))  # type: ignore[arg-type]
    conns.take("a-1")
    room = 1

    def left() -> int:
        return room - conns.files

    waiting = asyncio.ensure_future(conns.room_for(1, left))
    await asyncio.sleep(0)
    assert not waiting.done()  # gw is held by a-1's command
    conns.give_back("a-1")
    assert await waiting is True and conns.files == 0 and conns.said() == 2
    assert conns.under_way == 1  # its handshake's, until it has ended
    conns.dialled(1)

    conns.keep("b-1", Conn(), 0, {}, (gw,))  # type: ignore[arg-type]
    conns.take("b-1")  # gw's connection is not open: nothing b-1 uses holds a file
    room = 0
    assert await conns.room_for(1, left) is False


async def test_a_jump_host_carrying_hosts_is_closed_after_those_that_carry_none() -> None:
    """Closing a jump host's connection gives back one file and makes each idle host
    behind it dial again: a host dialled directly, idle for less time, goes first."""
    conns = OpenConnections()
    gw = object()
    made = {key: Conn(closes=True) for key in (gw, "a-1", "a-2", "web-1")}
    conns.keep(gw, made[gw], 1, {})  # type: ignore[arg-type]
    for host in ("a-1", "a-2"):
        conns.keep(host, made[host], 0, {}, (gw,))  # type: ignore[arg-type]
    conns.keep("web-1", made["web-1"], 1, {})  # type: ignore[arg-type]
    await conns.close_idle(1)
    assert [k for k, c in made.items() if c.asked] == ["web-1"]
    await conns.close_idle(1)  # nothing else holds a file: the jump host, its hosts with it
    assert conns.open == {} and conns.said() == 4


async def test_a_jump_host_not_dialled_for_open_files_is_said_not_dialled() -> None:
    """No room for a jump host's connection, nothing of the pool's to give any back: the
    host behind it reads not dialled, and the picker says so (main: 'jump host gw-1: not
    dialled: ...', which the picker read 'unreachable at jump host gw-1', as if gw-1 were
    down)."""
    from console.engine.destination import Destination
    from console.engine.failures import HostFailure
    from console.engine.file_room import FileRoom
    from console.engine.reach import Reach
    from console.engine.shared_dials import SharedDials
    from console.model.inventory import SshDefaults
    from console.model.status import FailureClass
    from console.ui.widgets.reach_text import not_up

    class Dialer:  # never asked to connect: there is no room to
        def options(self, dest: Destination) -> None:
            return None

    conns = OpenConnections()
    full = FileRoom(lambda: 10**6)  # every file held by what is not the pool's
    dials = SharedDials(SshDefaults(), conns, full, Dialer)  # type: ignore[arg-type]
    gw = Destination("gw-1", "127.0.0.1", 22, "ops")
    behind = Destination("h1", "127.0.0.1", 22, "ops", jump=gw)
    with pytest.raises(HostFailure) as raised:
        await dials.shared("h1", behind)
    said = raised.value
    assert said.failure is FailureClass.UNREACHABLE
    assert said.detail.startswith(
        "not dialled: its jump host gw-1 was not dialled either: this process's open files"
        " ran out on this jump host (ulimit -n "
    ), said.detail

    class Check:
        results = {"h1": Reach("h1", said.failure, said.detail)}

    assert not_up(Check, ["h1"]) == ["✘ h1: not dialled: no open files left"]  # type: ignore[arg-type]
