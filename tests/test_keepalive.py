"""Keepalive on real sshd (console/engine/keepalive.py): none sent while the host is heard
from, one after `keepalive_interval` of silence, and a host gone silent given up after
ServerAliveCountMax unanswered ones."""

import asyncio
import contextlib
import logging

import pytest

from console.engine.ssh import SshPool
from console.engine.targets import targets_for
from console.model.inventory import Inventory
from tests.fleet_settings import sshd_settings

pytestmark = pytest.mark.sshd

SENT = "Sending keepalive request"


class Relay:
    """A TCP relay to sshd in the test's loop that can go silent: every byte dropped both
    ways, the sockets left open (a host partitioned away, not one that closed)."""

    def __init__(self, port: int):
        self.port = port
        self.silent = False
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def _forward(self, client_r, client_w) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.port)
        self._writers += [client_w, server_w]

        async def pipe(reader, writer) -> None:
            while data := await reader.read(65536):
                if not self.silent:
                    writer.write(data)

        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

    async def close(self) -> None:
        self._server.close()
        for writer in self._writers:
            writer.close()


async def _until(check, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


@contextlib.asynccontextmanager
async def _pool(sshd_server, interval: float):
    relay = Relay(sshd_server.server.port)
    port = await relay.start()
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"}, keepalive_interval=interval)
    data = settings.inventory.dumped()
    data["systems"][0]["hosts"][0]["port"] = port  # through the relay
    inventory = Inventory.validated(data)
    keytype, blob = sshd_server.server.host_public_key.split()[:2]
    with sshd_server.known_hosts.open("a") as handle:
        handle.write(f"[127.0.0.1]:{port} {keytype} {blob}\n")
    pool = SshPool(inventory.ssh)
    try:
        yield pool, targets_for(inventory, ["web-1"])[0], relay
    finally:
        await pool.close()
        await relay.close()


async def test_no_keepalive_while_heard_from_then_one_after_the_silence(sshd_server, caplog):
    async with _pool(sshd_server, interval=1.0) as (pool, target, _):
        lines: list[str] = []
        with caplog.at_level(logging.DEBUG, logger="asyncssh"):
            # A line every 0.1 s for 2.5 s: heard from all along, more than twice the interval.
            command = "i=0; while [ $i -lt 25 ]; do echo $i; sleep 0.1; i=$((i + 1)); done"
            result = await pool.execute(
                target, command, 30, lambda _, got: lines.extend(got), "keepalive"
            )
            assert result.failure is None and len(lines) == 25
            assert SENT not in caplog.text
            assert await _until(lambda: SENT in caplog.text, 10), "no keepalive after 1 s quiet"


async def test_a_host_gone_silent_is_given_up(sshd_server, caplog):
    async with _pool(sshd_server, interval=0.3) as (pool, target, relay):
        conn = await pool.connection(target)
        assert (await pool.run(target, "true", 30)).exit_status == 0
        relay.silent = True
        with caplog.at_level(logging.DEBUG, logger="asyncssh"):
            # ServerAliveCountMax (3) unanswered, 0.3 s apart: given up after ~1.2 s.
            assert await _until(conn.is_closed, 15), "still open after 15 s of silence"
        assert "not responding to keepalive" in caplog.text
