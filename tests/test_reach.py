"""The picker's SSH check: real sshd answers, each way a host can fail to, and one
timeout shared by everyone waiting on a host that does not answer."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.engine.failures import HostFailure
from console.engine.reach import Reach, ReachCheck
from console.engine.ssh import SshPool
from console.engine.targets import Target, targets_for
from console.model.inventory import SshDefaults
from console.model.loading import load_settings
from console.model.settings import Settings
from console.model.status import FailureClass
from console.paths import demo_config
from tests.fleet_settings import sshd_settings


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_host(settings: Settings, system: str, host: dict) -> Settings:
    data = settings.dumped()
    for entry in data["inventory"]["systems"]:
        if entry["name"] == system:
            entry["hosts"].append(host)
    return Settings.validated(data)


async def check(reach: ReachCheck, hosts: list[str]) -> list[Reach]:
    heard: list[Reach] = []
    reach.listener = heard.append
    pending = reach.start(hosts)
    assert reach.checking == set(hosts)  # marked before the first await: the UI shows it
    await pending
    assert reach.checking == set()
    return heard


@pytest.mark.sshd
async def test_real_sshd_hosts_are_up_and_a_closed_port_is_refused(sshd_server) -> None:
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    settings = with_host(
        settings, "web", {"name": "web-3", "address": "127.0.0.1", "port": closed_port()}
    )
    pool = SshPool(settings.inventory.ssh)
    reach = ReachCheck(pool, settings.inventory)
    try:
        heard = await check(reach, ["web-1", "web-2", "web-3"])
        assert sorted(r.host for r in heard) == ["web-1", "web-2", "web-3"]
        assert reach.results["web-1"].ok and reach.results["web-2"].ok
        assert reach.results["web-1"].describe() == "reachable"
        refused = reach.results["web-3"]
        assert refused.failure is FailureClass.REFUSED
        port = settings.inventory.host("web-3").port
        assert reach.failing(["web-1", "web-3"]) == {
            "web-3": f"connection refused by 127.0.0.1:{port}"
        }
        # the rollback that follows runs on the connections the check opened
        assert pool.handshakes_done == 2
        target = targets_for(settings.inventory, ["web-1"])[0]
        assert (await pool.run(target, "echo again", 10)).stdout == "again\n"
        assert pool.handshakes_done == 2
        assert sshd_server.server.accepted_connections() == 2
    finally:
        await pool.close()


async def test_demo_faults_each_fail_the_check_with_their_own_class() -> None:
    faults = [
        Fault(FaultKind.REFUSE_AUTH, "db-1"),
        Fault(FaultKind.UNREACHABLE, "db-2"),
        Fault(FaultKind.WRONG_HOSTKEY, "api-2"),
    ]
    async with DemoFleet(load_settings(demo_config()), faults) as fleet:
        pool = SshPool(fleet.settings.inventory.ssh, threaded=True)  # as the TUI has it
        reach = ReachCheck(pool, fleet.settings.inventory)
        hosts = [h.name for s in fleet.settings.inventory.systems for h in s.hosts]
        try:
            await check(reach, hosts)
        finally:
            await pool.close()
    classes = {h: r.failure for h, r in reach.results.items()}
    assert classes == {
        "web-1": None,
        "web-2": None,
        "web-3": None,
        "api-1": None,
        "api-2": FailureClass.HOSTKEY_MISMATCH,
        "db-1": FailureClass.AUTH,
        "db-2": FailureClass.UNREACHABLE,
    }
    assert (
        reach.results["db-1"]
        .describe()
        .startswith(
            "authentication failed: Permission denied for user responder on host 127.0.0.1;"
            " keys offered: "
        )
    )
    said = reach.results["db-2"].describe()  # it takes the connection and never speaks SSH
    assert said.startswith("unreachable: no SSH answer from 127.0.0.1:"), said
    assert said.endswith(": connected, but no SSH banner within 3 s (the login timeout)"), said
    assert set(reach.failing(hosts)) == {"api-2", "db-1", "db-2"}


async def test_a_host_being_checked_is_not_checked_twice_at_once() -> None:
    async with DemoFleet(load_settings(demo_config())) as fleet:
        pool = SshPool(fleet.settings.inventory.ssh)
        reach = ReachCheck(pool, fleet.settings.inventory)
        try:
            heard: list[Reach] = []
            reach.listener = heard.append
            first = reach.start(["web-1", "web-2"])
            second = reach.start(["web-2", "web-3"])
            await first
            await second
        finally:
            await pool.close()
    assert sorted(r.host for r in heard) == ["web-1", "web-2", "web-3"]  # each checked once
    assert set(reach.results) == {"web-1", "web-2", "web-3"}


async def test_callers_queued_on_a_failing_connection_share_its_failure(tmp_path) -> None:
    """Two probes and a check of a host that never answers wait one login timeout,
    not three; a later call tries again."""
    accepted = 0

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        with contextlib.suppress(Exception):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    defaults = SshDefaults(
        user="nobody",
        known_hosts=str(tmp_path / "known_hosts"),
        use_ssh_config=False,
        connect_timeout=2,
        login_timeout=0.5,
    )
    pool = SshPool(defaults)
    target = Target("quiet-1", "quiet", "127.0.0.1", port, "nobody")
    try:
        answers = await asyncio.gather(
            *(pool.run(target, "true", 2) for _ in range(3)), return_exceptions=True
        )
        assert [type(a) for a in answers] == [HostFailure] * 3
        assert {a.failure for a in answers} == {FailureClass.UNREACHABLE}
        assert accepted == 1
        with pytest.raises(HostFailure):
            await pool.run(target, "true", 2)
        assert accepted == 2
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()
