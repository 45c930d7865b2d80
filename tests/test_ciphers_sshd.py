"""The ciphers the console offers, against real OpenSSH sshd on loopback: AES-GCM first
(asyncssh's chacha20-poly1305 costs ~6x its CPU a packet, bench/HISTORY.md, "A step's
packets"), and a host that allows only another of OpenSSH's ciphers is served as before."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.inventory import SshDefaults
from tests import sshd as sshd_mod

pytestmark = pytest.mark.sshd

BOUND = 60  # seconds: every wait here is bounded


async def _run_on(server: sshd_mod.SshdServer, key: Path, known_hosts: Path) -> list[str]:
    """Run one command through the console's pool; what it printed. The pool starts no
    thread for it: asyncssh's options for the connection are made on the loop
    (engine/options_on_loop.py), not in its executor."""
    before = set(threading.enumerate())
    pool = SshPool(
        SshDefaults(
            user=server.user,
            identity_files=[str(key)],
            known_hosts=str(known_hosts),
            use_ssh_config=False,
        )
    )
    lines: list[str] = []
    target = Target("web-1", "web", server.host, server.port, server.user)
    try:
        result = await asyncio.wait_for(
            pool.execute(target, "echo ok", BOUND, lambda _, got: lines.extend(got), "h"),
            BOUND,
        )
        started = set(threading.enumerate()) - before
    finally:
        await asyncio.wait_for(pool.close(), BOUND)
    assert result.exit_status == 0, result
    assert not started, started
    return lines


@pytest.mark.parametrize(
    ("allowed", "negotiated"),
    [
        (None, "aes128-gcm@openssh.com"),  # sshd's own list: the console's first choice
        ("chacha20-poly1305@openssh.com", "chacha20-poly1305@openssh.com"),
        ("aes256-ctr", "aes256-ctr"),
    ],
)
async def test_the_cipher_negotiated_with_sshd(
    tmp_path: Path, sshd_account: sshd_mod.Account, allowed: str | None, negotiated: str
) -> None:
    key, public = sshd_mod.make_client_key(tmp_path)
    options = ["LogLevel=DEBUG1", *([f"Ciphers={allowed}"] if allowed else [])]
    server = sshd_mod.start_sshd(
        tmp_path / "sshd", sshd_account, authorized_keys=[public], options=options
    )
    try:
        known = sshd_mod.write_known_hosts(tmp_path / "known_hosts", [server])
        assert await _run_on(server, key, known) == ["ok"]
        log = server.log()
    finally:
        server.stop()
    # sshd says what each direction uses (OpenSSH 7+: "kex: client->server cipher: ...").
    assert f"client->server cipher: {negotiated}" in log, log
    assert f"server->client cipher: {negotiated}" in log, log
