"""Which connections are closed to make room for open files: the ones idle longest first,
never one a command or a check is using, never one that holds no file (tunnelled through
a jump host), and their files counted as held until they are closed (the real fleet's
cases: tests/test_open_files_sshd.py, tests/test_file_room_console_sshd.py)."""

from __future__ import annotations

import asyncio

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
