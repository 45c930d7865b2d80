"""exec's connections (SshPool.one_command): each host's ends with its command, while the
other hosts' commands still run, as a one-shot client's would (no keepalives to hosts
that are done, their sessions released); a procedure's pool keeps them for the next
step. On a real in-process asyncssh server that sees each connection end."""

import asyncio
import logging
from pathlib import Path

import asyncssh
import pytest

from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.inventory import SshDefaults

BOUND = 30  # seconds: every wait here is bounded

LIVE: set[object] = set()  # the server's open connections


class _Server(asyncssh.SSHServer):
    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        LIVE.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        LIVE.discard(self)

    def begin_auth(self, username: str) -> bool:
        return False  # no authentication needed


@pytest.fixture
async def served(tmp_path: Path):
    """A pool and the port of a server whose `wait` command ends once `release` is set;
    any other command exits 0 at once."""
    release = asyncio.Event()

    async def process(proc: asyncssh.SSHServerProcess) -> None:
        if proc.command == "wait":
            await release.wait()
        proc.exit(0)

    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(
        _Server, "127.0.0.1", 0, server_host_keys=[key], process_factory=process
    )
    port = server.sockets[0].getsockname()[1]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode()}")
    pool = SshPool(SshDefaults(user="nobody", known_hosts=str(known), use_ssh_config=False))
    LIVE.clear()
    try:
        yield pool, port, release
    finally:
        release.set()
        await asyncio.wait_for(pool.close(), BOUND)
        server.close()
        await server.wait_closed()


async def _live(count: int) -> int:
    """The server's open connections once they are `count` (bounded wait), or as they are."""
    for _ in range(BOUND * 20):
        if len(LIVE) == count:
            break
        await asyncio.sleep(0.05)
    return len(LIVE)


def _run(pool: SshPool, port: int, name: str, command: str):
    target = Target(name, "s", "127.0.0.1", port, "nobody")
    return pool.execute(target, command, BOUND, lambda *a: None, name)


async def test_each_hosts_connection_ends_with_its_command(served) -> None:
    pool, port, release = served
    pool.one_command = True
    slow = asyncio.ensure_future(_run(pool, port, "h2", "wait"))
    assert await _live(1) == 1  # h2's command runs
    done = await asyncio.wait_for(_run(pool, port, "h1", "quick"), BOUND)
    assert done.failure is None
    # h1's connection is gone while h2's command still runs on its own.
    assert await _live(1) == 1
    assert not slow.done()
    release.set()
    assert (await asyncio.wait_for(slow, BOUND)).failure is None
    assert await _live(0) == 0
    await asyncio.wait_for(pool.close(), BOUND)  # and the close waits for nothing left


async def test_a_procedures_pool_keeps_each_connection_for_the_next_step(served) -> None:
    pool, port, _ = served
    first = await asyncio.wait_for(_run(pool, port, "h1", "quick"), BOUND)
    assert first.failure is None
    target = Target("h1", "s", "127.0.0.1", port, "nobody")
    conn = await pool.connection(target)
    assert not conn.is_closed() and await _live(1) == 1
    again = await asyncio.wait_for(_run(pool, port, "h1", "quick"), BOUND)
    assert again.failure is None
    assert await pool.connection(target) is conn  # the same connection, one login


async def test_an_ended_connection_is_closed_once(served, caplog) -> None:
    """The pool's close waits for the connections that ended with their commands and does
    not close them again (a second close sent a second disconnect: ~0.17 M instructions a
    host at 200 hosts, issue 18)."""
    pool, port, _ = served
    pool.one_command = True
    with caplog.at_level(logging.INFO, logger="asyncssh"):
        done = await asyncio.wait_for(_run(pool, port, "h1", "quick"), BOUND)
        assert done.failure is None
        await asyncio.wait_for(pool.close(), BOUND)
    said = [r.getMessage() for r in caplog.records]
    assert sum("Closing connection" in m for m in said) == 1, said
    assert await _live(0) == 0
