"""The dial's and the close's limits with one timer each: a login that never completes
still fails at login_timeout (asyncssh's own login timer, no timer of the console's
beside it), and the pool's close waits for every connection's end under one deadline."""

import asyncio
from pathlib import Path

import asyncssh
import pytest

from console.engine.failures import HostFailure
from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.inventory import SshDefaults
from console.model.status import FailureClass

BOUND = 30  # seconds: every wait here is bounded, far above the limits tested


class _Server(asyncssh.SSHServer):
    """Lets in any key, or never answers the login (its `begin_auth` never returns)."""

    def __init__(self, hang: bool, ended: list[str]):
        self.hang, self.ended = hang, ended

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended.append("lost")

    async def begin_auth(self, username: str) -> bool:
        if self.hang:
            await asyncio.Event().wait()  # cancelled when the connection goes
        return False  # no authentication needed


async def _process(process: asyncssh.SSHServerProcess) -> None:
    process.exit(0)


async def _serve(tmp_path: Path, hang: bool, ended: list[str]):
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(
        lambda: _Server(hang, ended),
        "127.0.0.1",
        0,
        server_host_keys=[key],
        process_factory=_process,
        keepalive_interval=0,
    )
    port = server.sockets[0].getsockname()[1]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode()}")
    defaults = SshDefaults(
        user="nobody",
        known_hosts=str(known),
        use_ssh_config=False,
        connect_timeout=5,
        login_timeout=0.5,
    )
    return server, port, defaults


async def _failed(pool: SshPool, port: int) -> HostFailure:
    """How a command on 127.0.0.1:`port` fails."""
    with pytest.raises(HostFailure) as failure:
        await asyncio.wait_for(
            pool.run(Target("h1", "s", "127.0.0.1", port, "nobody"), "true", 5), BOUND
        )
    return failure.value


async def test_a_login_that_never_completes_fails_at_login_timeout(tmp_path: Path) -> None:
    ended: list[str] = []
    server, port, defaults = await _serve(tmp_path, hang=True, ended=ended)
    pool = SshPool(defaults)
    try:
        failure = await _failed(pool, port)
        assert failure.failure is FailureClass.UNREACHABLE
        assert failure.detail == "no SSH login within 0.5 s"
        # The client's socket was closed: the server saw the connection end.
        for _ in range(BOUND * 20):
            if ended:
                break
            await asyncio.sleep(0.05)
        assert ended == ["lost"]
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()


async def test_a_host_that_takes_the_connection_and_never_speaks_ssh_says_so(
    tmp_path: Path,
) -> None:
    """A port that accepts TCP and sends nothing (a stuck daemon, a tarpit, the wrong
    service): it read "no SSH login within 0.5 s", as if the login had stalled. It says
    no SSH answer came, as ssh's "timed out during banner exchange" does."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # kept open, never written to

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    (tmp_path / "known_hosts").write_text("")
    defaults = SshDefaults(
        user="nobody",
        known_hosts=str(tmp_path / "known_hosts"),
        use_ssh_config=False,
        connect_timeout=5,
        login_timeout=0.5,
    )
    pool = SshPool(defaults)
    try:
        failure = await _failed(pool, port)
        assert failure.failure is FailureClass.UNREACHABLE
        assert failure.detail == (
            f"no SSH answer from 127.0.0.1:{port}: connected, but no SSH banner within 0.5 s"
            " (the login timeout)"
        )
        assert accepted  # it did take the connection
    finally:
        await pool.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_close_waits_for_every_connections_end(tmp_path: Path) -> None:
    ended: list[str] = []
    server, port, defaults = await _serve(tmp_path, hang=False, ended=ended)
    pool = SshPool(defaults)
    targets = [Target(f"h{i}", "s", "127.0.0.1", port, "nobody") for i in range(3)]
    try:
        done = await asyncio.gather(*(pool.run(t, "true", 10) for t in targets))
        assert [d.exit_status for d in done] == [0, 0, 0]
        conns = [await pool.connection(t) for t in targets]
        await asyncio.wait_for(pool.close(), BOUND)
        assert all(conn.is_closed() for conn in conns)
    finally:
        server.close()
        await server.wait_closed()
