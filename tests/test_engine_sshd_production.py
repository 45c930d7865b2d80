"""Production SSH behaviour against real OpenSSH sshd: reuse, bastion, config, keys, abort."""

import asyncio

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.model.events import Kind
from console.model.inventory import Inventory
from console.model.settings import Settings
from console.model.state import FailureClass, HostStatus
from tests import sshd as sshd_mod
from tests.events_factory import recorder_in
from tests.fleet_settings import sshd_settings

pytestmark = pytest.mark.sshd


async def _conductor(settings: Settings, tmp_path, hosts: dict[str, str], threaded=False):
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh, threaded))
    conductor.open_incident("prod-ssh", "inc-prod")
    return conductor


async def test_one_connection_per_host_across_every_step(sshd_server, tmp_path):
    hosts = {"web-1": "web", "web-2": "web", "web-3": "web"}
    settings, _ = sshd_settings(sshd_server, hosts)
    conductor = await _conductor(settings, tmp_path, hosts)
    try:
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        for step in ("capture-evidence", "halt-delivery", "assess-state", "restore", "verify"):
            assert await conductor.run_step(step), step
        assert await conductor.run_adhoc("true", list(hosts))
    finally:
        await conductor.shutdown()
    assert sshd_server.server.accepted_connections() == 3


async def test_every_target_behind_a_jump_host_shares_one_bastion_connection(
    sshd_server, sshd_account, tmp_path
):
    bastion_dir = tmp_path / "bastion"
    bastion_dir.mkdir()
    bastion = sshd_mod.start_sshd(
        bastion_dir, sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        sshd_mod.write_known_hosts(sshd_server.known_hosts, [sshd_server.server, bastion])
        hosts = {"web-1": "web", "web-2": "web", "web-3": "web"}
        settings, sandboxes = sshd_settings(
            sshd_server, hosts, jump_host=f"{bastion.user}@127.0.0.1:{bastion.port}"
        )
        conductor = await _conductor(settings, tmp_path, hosts)
        try:
            conductor.select(["web"])
            conductor.choose_strategy("version-rollback")
            assert await conductor.run_step("restore")
        finally:
            await conductor.shutdown()
        assert bastion.accepted_connections() == 1
        assert sshd_server.server.accepted_connections() == 3
        assert all((s / "current").readlink().name == "2.4.0" for s in sandboxes.values())
    finally:
        bastion.stop()


async def test_ssh_config_aliases_are_honoured(sshd_server, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    server = sshd_server.server
    (home / ".ssh" / "config").write_text(
        f"Host storefront-*\n  HostName 127.0.0.1\n  Port {server.port}\n"
        f"  User {server.user}\n  IdentityFile {sshd_server.client_key}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    inventory = Inventory.validated(
        {
            "ssh": {"known_hosts": str(sshd_server.known_hosts)},
            "systems": [
                {"name": "web", "hosts": [{"name": "storefront-a"}, {"name": "storefront-b"}]}
            ],
        }
    )
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    settings = settings.replace(inventory=inventory)
    conductor = await _conductor(settings, tmp_path, {})
    try:
        assert await conductor.run_adhoc("id -un", ["storefront-a", "storefront-b"])
    finally:
        await conductor.shutdown()
    lines = [
        ln
        for e in conductor.recorder.events
        if e.kind == Kind.COMMAND_OUTPUT
        for ln in e.data.lines
    ]
    assert lines == [server.user, server.user]


async def test_unknown_and_mismatched_host_keys_against_real_sshd(sshd_server, tmp_path):
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    sshd_server.known_hosts.write_text("")
    conductor = await _conductor(settings, tmp_path, {})
    try:
        assert not await conductor.run_adhoc("true", ["web-1"])
        result = [e for e in conductor.recorder.events if e.kind == Kind.COMMAND_RESULT][-1]
        assert result.data.failure == FailureClass.HOSTKEY_UNKNOWN.value
        real = result.data.fingerprint
        other = sshd_mod.make_client_key(tmp_path)[1].split()[:2]
        sshd_server.known_hosts.write_text(
            f"[127.0.0.1]:{sshd_server.server.port} {' '.join(other)}\n"
        )
        assert not await conductor.run_adhoc("true", ["web-1"])
        result = [e for e in conductor.recorder.events if e.kind == Kind.COMMAND_RESULT][-1]
        assert result.data.failure == FailureClass.HOSTKEY_MISMATCH.value
        assert result.data.fingerprint == real
    finally:
        await conductor.shutdown()
    assert sshd_server.server.accepted_connections() == 0


async def _pid_of(sandbox, deadline_s: float = 10.0) -> int:
    pid_file = sandbox / "sleeper.pid"
    for _ in range(int(deadline_s / 0.05)):
        if pid_file.exists() and pid_file.read_text().strip():
            return int(pid_file.read_text())
        await asyncio.sleep(0.05)
    raise AssertionError("the remote command never started")


def _alive(pid: int) -> bool:
    try:
        import os

        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


SLEEPER = "sh -c 'echo $$ > sleeper.pid; exec sleep 60'"


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
async def test_abort_takes_a_reason_and_the_remote_process_is_gone(sshd_server, tmp_path, threaded):
    settings, sandboxes = sshd_settings(sshd_server, {"web-1": "web"})
    conductor = await _conductor(settings, tmp_path, {}, threaded)
    try:
        run = asyncio.create_task(conductor.run_adhoc(SLEEPER, ["web-1"]))
        pid = await _pid_of(sandboxes["web-1"])
        assert _alive(pid)
        await conductor.abort("wrong host group selected")
        assert not await asyncio.wait_for(run, 15)
    finally:
        await conductor.shutdown()
    for _ in range(100):
        if not _alive(pid):
            break
        await asyncio.sleep(0.05)
    assert not _alive(pid)
    state = conductor.state
    assert state.steps["adhoc-1"].hosts["web-1"].status is HostStatus.ABORTED
    assert state.aborts[0]["reason"] == "wrong host group selected"


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
async def test_a_command_timeout_signals_the_remote_process(sshd_server, tmp_path, threaded):
    settings, sandboxes = sshd_settings(sshd_server, {"web-1": "web"}, command_timeout=1.0)
    conductor = await _conductor(settings, tmp_path, {}, threaded)
    try:
        assert not await conductor.run_adhoc(SLEEPER, ["web-1"])
    finally:
        await conductor.shutdown()
    pid = await _pid_of(sandboxes["web-1"])
    for _ in range(100):
        if not _alive(pid):
            break
        await asyncio.sleep(0.05)
    assert not _alive(pid)
    run = conductor.state.steps["adhoc-1"].hosts["web-1"]
    assert run.failure is FailureClass.TIMEOUT


async def test_keys_from_ssh_agent_are_used(sshd_server, tmp_path, monkeypatch):
    with sshd_mod.ssh_agent(tmp_path, [sshd_server.client_key]) as socket_path:
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket_path))
        monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/id_* to fall back on
        settings, _ = sshd_settings(sshd_server, {"web-1": "web"}, identity_files=[])
        conductor = await _conductor(settings, tmp_path, {})
        try:
            assert await conductor.run_adhoc("true", ["web-1"])
        finally:
            await conductor.shutdown()


async def test_retry_runs_again_only_on_the_hosts_that_failed(sshd_server, tmp_path):
    hosts = {"web-1": "web", "web-2": "web", "web-3": "web"}
    settings, sandboxes = sshd_settings(sshd_server, hosts)
    releases = sandboxes["web-2"] / "releases"
    hidden = sandboxes["web-2"] / "releases.hidden"
    releases.rename(hidden)  # web-2's precheck fails: no releases directory
    conductor = await _conductor(settings, tmp_path, hosts)
    try:
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        assert not await conductor.run_step("restore")
        assert conductor.failed_hosts("restore") == ["web-2"]
        hidden.rename(releases)
        assert await conductor.run_step("restore", only_hosts=conductor.failed_hosts("restore"))
    finally:
        await conductor.shutdown()
    second = [
        e.where.host
        for e in conductor.recorder.events
        if e.kind == Kind.COMMAND_INTENT and e.data.attempt == 2
    ]
    assert set(second) == {"web-2"}
    assert all((s / "current").readlink().name == "2.4.0" for s in sandboxes.values())
    assert conductor.state.steps["restore"].status.value == "done"


async def test_a_step_stays_failed_until_every_host_has_succeeded(sshd_server, tmp_path):
    hosts = {"web-1": "web", "web-2": "web"}
    settings, sandboxes = sshd_settings(sshd_server, hosts)
    for sandbox in sandboxes.values():
        (sandbox / "releases").rename(sandbox / "releases.hidden")
    conductor = await _conductor(settings, tmp_path, hosts)
    try:
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        assert not await conductor.run_step("restore")
        (sandboxes["web-1"] / "releases.hidden").rename(sandboxes["web-1"] / "releases")
        assert not await conductor.run_step("restore", only_hosts=["web-1"])
        assert conductor.state.steps["restore"].status.value == "failed"
        assert conductor.state.steps["restore"].summary == "1 failed, 1 succeeded"
    finally:
        await conductor.shutdown()
