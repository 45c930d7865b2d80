"""Routes and host keys from ssh_config, each against real OpenSSH sshd on loopback:
an alias ProxyJump, a two-hop chain, a ProxyCommand, per-system bastions, and the
known_hosts files OpenSSH would read (user, global, hashed)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.model.events import Kind
from console.model.inventory import Inventory
from console.model.state import FailureClass
from tests import sshd as sshd_mod
from tests.events_factory import recorder_in
from tests.fleet_settings import sshd_settings

pytestmark = pytest.mark.sshd


@pytest.fixture
def bastions(sshd_server, sshd_account, tmp_path) -> Iterator[list[sshd_mod.SshdServer]]:
    """Three more sshd (jump hosts), trusting the same client key, logging the target
    of every connection they forward."""
    servers = []
    try:
        for n in range(3):
            workdir = tmp_path / f"bastion-{n}"
            workdir.mkdir()
            servers.append(
                sshd_mod.start_sshd(
                    workdir,
                    sshd_account,
                    authorized_keys=[sshd_server.client_public_key],
                    options=["LogLevel=DEBUG1"],
                )
            )
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty home (no keys, no known_hosts, no agent): only ssh_config says anything."""
    path = tmp_path / "home"
    (path / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(path))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return path


def forwarded_to(bastion: sshd_mod.SshdServer, server: sshd_mod.SshdServer) -> int:
    """How many connections `bastion` forwarded to `server` (sshd logs it at DEBUG1)."""
    return bastion.log().count(f"target 127.0.0.1 port {server.port}")


def host_block(alias: str, server: sshd_mod.SshdServer, key: Path, extra: str = "") -> str:
    return (
        f"Host {alias}\n  HostName 127.0.0.1\n  Port {server.port}\n  User {server.user}\n"
        f"  IdentityFile {key}\n{extra}"
    )


def write_config(home: Path, text: str, known_hosts: Path | None = None) -> Path:
    """~/.ssh/config, only this file (the system's /etc/ssh/ssh_config is not read)."""
    tail = f"Host *\n  UserKnownHostsFile {known_hosts}\n" if known_hosts else ""
    path = home / ".ssh" / "config"
    path.write_text(text + tail)
    return path


async def run_everywhere(sshd_server, tmp_path, inventory: dict, hosts: list[str]):
    """`id -un` on `hosts` through a Conductor, as `exec` runs it; (ok, output lines, events)."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    settings = settings.replace(inventory=Inventory.validated(inventory))
    recorder = recorder_in(Path(tempfile.mkdtemp(prefix="incident-", dir=tmp_path)))
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    conductor.open_incident("routes", "inc-routes")
    try:
        ok = await conductor.run_adhoc("id -un", hosts)
    finally:
        await conductor.shutdown()
    events = conductor.recorder.events
    lines = [ln for e in events if e.kind == Kind.COMMAND_OUTPUT for ln in e.data.lines]
    return ok, lines, events


def inventory(config: Path, systems: list[dict], **ssh) -> dict:
    return {"ssh": {"config_files": [str(config)], **ssh}, "systems": systems}


async def test_proxyjump_names_an_alias_resolved_through_the_config(
    sshd_server, bastions, home, tmp_path
):
    target, bastion = sshd_server.server, bastions[0]
    key = sshd_server.client_key
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target, bastion])
    config = write_config(
        home,
        host_block("jump", bastion, key) + host_block("web-*", target, key, "  ProxyJump jump\n"),
        known,
    )
    hosts = ["web-1", "web-2", "web-3"]
    systems = [{"name": "web", "hosts": [{"name": h} for h in hosts]}]
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inventory(config, systems), hosts)
    assert ok and lines == [target.user] * 3
    assert bastion.accepted_connections() == 1  # one shared connection to the jump host
    assert target.accepted_connections() == 3
    assert forwarded_to(bastion, target) == 3


async def test_a_two_hop_chain_goes_through_both_bastions(sshd_server, bastions, home, tmp_path):
    target, outer, inner = sshd_server.server, bastions[0], bastions[1]
    key = sshd_server.client_key
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target, outer, inner])
    config = write_config(
        home,
        host_block("outer", outer, key)
        + host_block("inner", inner, key)
        + host_block("app-*", target, key, "  ProxyJump outer,inner\n"),
        known,
    )
    hosts = ["app-1", "app-2"]
    systems = [{"name": "app", "hosts": [{"name": h} for h in hosts]}]
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inventory(config, systems), hosts)
    assert ok and lines == [target.user] * 2
    assert (outer.accepted_connections(), inner.accepted_connections()) == (1, 1)
    assert target.accepted_connections() == 2
    # the inner bastion was reached through the outer one, the hosts through the inner
    assert (forwarded_to(outer, inner), forwarded_to(inner, target)) == (1, 2)
    assert forwarded_to(outer, target) == 0


async def test_proxycommand_ssh_w_through_a_bastion(sshd_server, bastions, home, tmp_path):
    target, bastion = sshd_server.server, bastions[0]
    key = sshd_server.client_key
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target, bastion])
    proxy = (
        f"ssh -F /dev/null -i {key} -o BatchMode=yes -o StrictHostKeyChecking=yes"
        f" -o UserKnownHostsFile={known} -p {bastion.port} -l %r -W %h:%p 127.0.0.1"
    )
    config = write_config(
        home,
        host_block("svc-*", target, key, f"  ProxyCommand {proxy}\n"),
        known,
    )
    hosts = ["svc-1", "svc-2"]
    systems = [{"name": "svc", "hosts": [{"name": h} for h in hosts]}]
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inventory(config, systems), hosts)
    assert ok and lines == [target.user] * 2
    assert bastion.accepted_connections() == 2  # OpenSSH's ssh, once per proxied host
    assert target.accepted_connections() == 2
    assert forwarded_to(bastion, target) == 2


async def test_each_system_has_its_own_bastion_with_one_login_each(
    sshd_server, bastions, home, tmp_path
):
    target, eu, us = sshd_server.server, bastions[0], bastions[1]
    key = sshd_server.client_key
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target, eu, us])
    config = write_config(
        home,
        host_block("bastion-eu", eu, key) + host_block("bastion-us", us, key),
        known,
    )
    members = {"eu": ["eu-1", "eu-2", "eu-3"], "us": ["us-1", "us-2"]}
    address = {"address": "127.0.0.1", "port": target.port, "user": target.user}
    systems = [
        {
            "name": region,
            "jump_host": f"bastion-{region}",
            "hosts": [{"name": h, **address} for h in names],
        }
        for region, names in members.items()
    ]
    systems[1]["hosts"].append({"name": "us-direct", "jump_host": "none", **address})
    hosts = [*members["eu"], *members["us"], "us-direct"]
    inv = inventory(config, systems, identity_files=[str(key)])
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inv, hosts)
    assert ok and lines == [target.user] * 6
    assert (eu.accepted_connections(), us.accepted_connections()) == (1, 1)
    assert (forwarded_to(eu, target), forwarded_to(us, target)) == (3, 2)
    assert target.accepted_connections() == 6


async def test_user_known_hosts_file_from_the_config_is_read(sshd_server, home, tmp_path):
    target, key = sshd_server.server, sshd_server.client_key
    (tmp_path / "elsewhere").mkdir()
    known = sshd_mod.write_known_hosts(tmp_path / "elsewhere" / "kh", [target])
    config = write_config(home, host_block("db-1", target, key), known)
    systems = [{"name": "db", "hosts": [{"name": "db-1"}]}]
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inventory(config, systems), ["db-1"])
    assert ok and lines == [target.user]
    # an unknown key in a missing UserKnownHostsFile is that: unknown, with its fingerprint
    write_config(home, host_block("db-1", target, key), tmp_path / "missing" / "kh")
    ok, _, events = await run_everywhere(
        sshd_server, tmp_path, inventory(config, systems), ["db-1"]
    )
    result = next(e for e in events if e.kind == Kind.COMMAND_RESULT)
    assert not ok and result.data.failure == FailureClass.HOSTKEY_UNKNOWN.value
    assert result.data.fingerprint.startswith("SHA256:")
    assert str(tmp_path / "missing" / "kh") in result.data.detail


async def test_global_known_hosts_file_is_read(sshd_server, home, tmp_path):
    """/etc/ssh/ssh_known_hosts is the default; tests name their own with
    GlobalKnownHostsFile, as an administrator may."""
    target, key = sshd_server.server, sshd_server.client_key
    global_file = sshd_mod.write_known_hosts(tmp_path / "ssh_known_hosts", [target])
    config = write_config(
        home,
        host_block("db-1", target, key, f"  GlobalKnownHostsFile {global_file}\n"),
        tmp_path / "empty-user-file",
    )
    systems = [{"name": "db", "hosts": [{"name": "db-1"}]}]
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inventory(config, systems), ["db-1"])
    assert ok and lines == [target.user]


async def test_hashed_known_hosts_are_read_and_accepted_keys_written_hashed(
    sshd_server, home, tmp_path
):
    target, key = sshd_server.server, sshd_server.client_key
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target])
    subprocess.run(["ssh-keygen", "-H", "-f", str(known)], check=True, capture_output=True)
    assert known.read_text().startswith("|1|")
    config = write_config(home, host_block("db-1", target, key, "  HashKnownHosts yes\n"), known)
    systems = [{"name": "db", "hosts": [{"name": "db-1"}]}]
    inv = inventory(config, systems)
    ok, _, _ = await run_everywhere(sshd_server, tmp_path, inv, ["db-1"])
    assert ok  # read: OpenSSH's own hashed entry

    known.write_text("")
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    settings = settings.replace(inventory=Inventory.validated(inv))
    conductor = Conductor(
        settings, recorder_in(tmp_path / "accept"), SshPool(settings.inventory.ssh)
    )
    conductor.open_incident("accept", "inc-accept")
    try:
        assert not await conductor.run_adhoc("true", ["db-1"])
        offered = [e for e in conductor.recorder.events if e.kind == Kind.COMMAND_RESULT][-1]
        await conductor.accept_host_key("db-1", offered.data.fingerprint)
        assert await conductor.run_adhoc("true", ["db-1"])
    finally:
        await conductor.shutdown()
    line = known.read_text().strip()
    assert line.startswith("|1|") and "127.0.0.1" not in line  # written hashed
    found = subprocess.run(
        ["ssh-keygen", "-F", f"[127.0.0.1]:{target.port}", "-f", str(known)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert found.returncode == 0  # and OpenSSH finds it
    accepted = next(e for e in conductor.recorder.events if e.kind == Kind.HOSTKEY_ACCEPTED)
    assert accepted.data.known_hosts == str(known)
    assert accepted.data.endpoint == f"{target.user}@127.0.0.1:{target.port}"


async def test_an_unknown_bastion_key_is_the_one_offered_and_accepted(
    sshd_server, bastions, home, tmp_path
):
    target, bastion = sshd_server.server, bastions[0]
    key = sshd_server.client_key
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target])  # the bastion's is missing
    config = write_config(
        home,
        host_block("jump", bastion, key, "  HashKnownHosts no\n")
        + host_block("web-*", target, key, "  ProxyJump jump\n"),
        known,
    )
    systems = [{"name": "web", "hosts": [{"name": "web-1"}, {"name": "web-2"}]}]
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    inv = Inventory.validated(inventory(config, systems))
    settings = settings.replace(inventory=inv)
    conductor = Conductor(settings, recorder_in(tmp_path / "inc"), SshPool(inv.ssh))
    conductor.open_incident("bastion key", "inc-bastion")
    try:
        assert not await conductor.run_adhoc("true", ["web-1", "web-2"])
        results = [e for e in conductor.recorder.events if e.kind == Kind.COMMAND_RESULT]
        assert {r.data.failure for r in results} == {FailureClass.HOSTKEY_UNKNOWN.value}
        assert all(r.data.detail.startswith("jump host jump: ") for r in results)
        fingerprint = results[0].data.fingerprint
        await conductor.accept_host_key("web-1", fingerprint)
        assert await conductor.run_adhoc("true", ["web-1", "web-2"])
    finally:
        await conductor.shutdown()
    assert known.read_text().splitlines()[-1].startswith(f"[127.0.0.1]:{bastion.port} ")


async def test_identities_only_limits_the_agent_to_the_configured_key(
    sshd_server, home, tmp_path, monkeypatch
):
    """The agent holds the key sshd trusts; IdentityFile names another. Without
    IdentitiesOnly the agent's key logs in; with it, only the named key is offered."""
    target = sshd_server.server
    (tmp_path / "other").mkdir()
    other_key, _ = sshd_mod.make_client_key(tmp_path / "other")
    with sshd_mod.ssh_agent(tmp_path, [sshd_server.client_key]) as socket_path:
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket_path))
        known = sshd_mod.write_known_hosts(tmp_path / "kh", [target])
        systems = [{"name": "db", "hosts": [{"name": "db-1"}]}]
        for only, expected in (("no", True), ("yes", False)):
            config = write_config(
                home,
                host_block("db-1", target, other_key, f"  IdentitiesOnly {only}\n"),
                known,
            )
            ok, _, events = await run_everywhere(
                sshd_server, tmp_path, inventory(config, systems), ["db-1"]
            )
            assert ok is expected, events[-1].data
            if not ok:
                result = next(e for e in events if e.kind == Kind.COMMAND_RESULT)
                assert result.data.failure == FailureClass.AUTH.value


async def test_precedence_host_then_ssh_config_then_defaults_on_real_sshd(
    sshd_server, home, tmp_path
):
    """Each level decides the port once, the others naming a port nothing listens on:
    the host's own port beats ssh_config's, ssh_config's beats [ssh]'s, and [ssh]'s
    applies when neither says."""
    target, key = sshd_server.server, sshd_server.client_key
    dead = sshd_mod._free_port()
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target])
    config = write_config(
        home,
        f"Host by-host\n  Port {dead}\nHost by-config\n  Port {target.port}\n"
        f"Host *\n  HostName 127.0.0.1\n  User {target.user}\n  IdentityFile {key}\n",
        known,
    )
    systems = [
        {
            "name": "levels",
            "hosts": [
                {"name": "by-host", "port": target.port},
                {"name": "by-config"},
                {"name": "by-defaults"},
            ],
        }
    ]
    hosts = ["by-host", "by-config", "by-defaults"]
    inv = inventory(config, systems)
    inv["ssh"]["port"] = target.port
    ok, lines, _ = await run_everywhere(sshd_server, tmp_path, inv, hosts)
    assert ok and lines == [target.user] * 3
    inv["ssh"]["port"] = dead  # now only the defaults' level is wrong: by-defaults fails
    ok, _, events = await run_everywhere(sshd_server, tmp_path, inv, hosts)
    failed = {e.where.host for e in events if e.kind == Kind.COMMAND_RESULT and e.data.failure}
    assert not ok and failed == {"by-defaults"}


async def test_a_host_out_of_reach_is_named_with_where_it_was_dialled_and_for_how_long(
    sshd_server, bastions, home, tmp_path
):
    """Seen on a real fleet: a closed port read 'connection refused: connection refused',
    a silent address 'no SSH answer within the connect timeout' (which address? how
    long?), and a closed port behind a real jump host 'unreachable: ChannelOpenError:
    Connection refused'. Each now names the address and port dialled, the seconds given,
    and the jump host that could not reach it; a refusal behind the jump host is refused."""
    target, bastion, key = sshd_server.server, bastions[0], sshd_server.client_key
    closed = sshd_mod._free_port()
    known = sshd_mod.write_known_hosts(tmp_path / "kh", [target, bastion])
    config = write_config(home, host_block("jump", bastion, key), known)
    with sshd_mod.silent_port() as silent:
        hosts = [
            {"name": "closed", "address": "127.0.0.1", "port": closed},
            {"name": "behind", "address": "127.0.0.1", "port": closed, "jump_host": "jump"},
            {"name": "silent", "address": "127.0.0.1", "port": silent},
        ]
        systems = [{"name": "web", "hosts": hosts}]
        inv = inventory(config, systems, user=target.user, identity_files=[str(key)])
        inv["ssh"]["connect_timeout"] = 1.0
        names = [h["name"] for h in hosts]
        ok, _, events = await run_everywhere(sshd_server, tmp_path, inv, names)
    said = {
        e.where.host: (e.data.failure, e.data.detail)
        for e in events
        if e.kind == Kind.COMMAND_RESULT
    }
    assert not ok
    assert said["closed"] == (FailureClass.REFUSED, f"connection refused by 127.0.0.1:{closed}")
    assert said["behind"] == (
        FailureClass.REFUSED,
        f"jump host jump cannot reach 127.0.0.1:{closed}: Connection refused",
    )
    port = hosts[2]["port"]
    assert said["silent"] == (
        FailureClass.UNREACHABLE,
        f"no SSH answer from 127.0.0.1:{port} within 1 s (the connect timeout)",
    )
