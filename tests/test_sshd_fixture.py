"""The sshd fixture really serves asyncssh logins on loopback."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

pytestmark = pytest.mark.sshd


def _connect(fx, known_hosts: Path):
    return asyncssh.connect(
        fx.server.host,
        fx.server.port,
        username=fx.account.name,
        client_keys=[str(fx.client_key)],
        known_hosts=str(known_hosts),
        agent_path=None,
        config=[],
        connect_timeout=10,
    )


async def test_runs_a_command_as_the_account(sshd_server):
    async with _connect(sshd_server, sshd_server.known_hosts) as conn:
        result = await conn.run('echo hello; id -un; printf %s "$HOME"', check=True, timeout=10)
    assert result.stdout == f"hello\n{sshd_server.account.name}\n{sshd_server.account.home}"
    assert sshd_server.server.accepted_connections() == 1


async def test_sandbox_is_writable_by_the_account(sshd_server):
    sandbox = sshd_server.sandbox("state")
    async with _connect(sshd_server, sshd_server.known_hosts) as conn:
        await conn.run(f"echo ok > {sandbox}/marker", check=True, timeout=10)
    assert (sandbox / "marker").read_text() == "ok\n"


async def test_unknown_host_key_is_rejected(sshd_server, tmp_path):
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        async with _connect(sshd_server, empty):
            pass
    assert sshd_server.server.accepted_connections() == 0


def test_known_hosts_line_format(sshd_server):
    line = sshd_server.server.known_hosts_line()
    assert line.startswith(f"[127.0.0.1]:{sshd_server.server.port} ssh-ed25519 AAAA")
    assert len(line.split()) == 3
