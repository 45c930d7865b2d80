"""A jump host that stops answering is named, not the hosts behind it. Walked at 80x24 as
a first-time responder on a fleet of 8 real sshd hosts behind one bastion (helper-180):
the bastion stalled after the picker had connected through it (its sshd and the
connection's processes stopped), ^r checked again, and every host read 'unreachable:
jump host bastion cannot reach 127.0.0.1:30001: SSH connection closed' (asyncssh's own
words as our connection to the bastion was given up on, read as the bastion's reason for
not reaching the host), or 'no SSH answer from 127.0.0.1:30003 within 25 s', blaming a
host nothing had reached. Real sshd for the bastion and the host behind it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.engine.failures import HostFailure
from console.engine.reach import Reach
from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.inventory import SshDefaults
from console.model.status import FailureClass
from tests import sshd as sshd_mod

pytestmark = pytest.mark.sshd
BOUND = 60  # seconds: every wait here is bounded, far above the limits tested


@contextlib.contextmanager
def stalled(server: sshd_mod.SshdServer) -> Iterator[None]:
    """The sshd and every process serving its connections stopped, then let go on."""
    pids = [server.process.pid, *sshd_mod._descendants(server.process.pid)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


async def failure_once_stalled(sshd_server, sshd_account, tmp_path: Path, **limits) -> str:
    """How a second host behind the bastion fails once the bastion, through which the
    first host was reached, stopped answering."""
    server = sshd_server.server
    bastion = sshd_mod.start_sshd(
        tmp_path / "bastion", sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        known = sshd_mod.write_known_hosts(tmp_path / "known_hosts", [server, bastion])
        defaults = SshDefaults(
            user=server.user,
            identity_files=[str(sshd_server.client_key)],
            known_hosts=str(known),
            use_ssh_config=False,
            **limits,
        )
        jump = f"{server.user}@127.0.0.1:{bastion.port}"
        first, second = (
            Target(name, "web", "127.0.0.1", server.port, server.user, jump=jump)
            for name in ("web-1", "web-2")
        )
        pool = SshPool(defaults)
        try:
            result = await asyncio.wait_for(pool.run(first, "true", 10), BOUND)
            assert result.exit_status == 0, result
            with stalled(bastion), pytest.raises(HostFailure) as failed:
                await asyncio.wait_for(pool.run(second, "true", 10), BOUND)
            assert failed.value.failure is FailureClass.UNREACHABLE, failed.value
            return failed.value.detail
        finally:
            await asyncio.wait_for(pool.close(), BOUND)
    finally:
        bastion.stop()


async def test_a_jump_host_given_up_on_is_named_not_the_host(
    sshd_server, sshd_account, tmp_path: Path
) -> None:
    said = await failure_once_stalled(
        sshd_server, sshd_account, tmp_path, keepalive_interval=0.5, connect_timeout=30
    )
    where = f"127.0.0.1:{sshd_server.server.port}"
    assert said.startswith("the connection to jump host 127.0.0.1 was lost"), said
    assert f"was lost before it opened the way to {where}, nothing sent" in said, said
    assert "cannot reach" not in said, said
    # the picker names the jump host, its hosts counted together behind it
    assert Reach("web-2", FailureClass.UNREACHABLE, said).jump_host == "127.0.0.1"


async def test_a_jump_host_that_does_not_open_the_way_in_time_is_named(
    sshd_server, sshd_account, tmp_path: Path
) -> None:
    said = await failure_once_stalled(
        sshd_server,
        sshd_account,
        tmp_path,
        keepalive_interval=0,
        connect_timeout=1,
        login_timeout=1,
    )
    where = f"127.0.0.1:{sshd_server.server.port}"
    assert said.startswith("jump host 127.0.0.1 did not open the way to"), said
    assert f"did not open the way to {where} within 2 s, nothing sent" in said, said
    assert not said.startswith("no SSH answer from"), said
    assert Reach("web-2", FailureClass.UNREACHABLE, said).jump_host == "127.0.0.1"
