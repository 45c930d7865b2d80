"""An ssh_config that ssh refuses is bad configuration for every command, refused before
anything is recorded or sent (exit status 2), as check-config and the dry runs refuse it.

Walked on real sshd (helper-156): with `HostName "127.0.0.3` (a quote left open) in
~/.ssh/config, check-config and `run --dry-run` said `error: app-1: ssh_config: ... line 2:
No closing quotation` (exit 2), but `run --yes` opened an incident, locked the system, ran
its first step 'on' every host and closed it FAILED (exit 1); `exec` and `probe` exited 1,
as if the hosts were down. And `Port 70000`, which ssh refuses ('line 3: Bad port
'70000'.'), passed check-config and was dialled ('connection refused by
127.0.0.3:70000')."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import tomli_w

from console.engine.destination import Resolver, RouteError
from console.model.inventory import SshDefaults
from tests.cli_fleet import Fleet, write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    inventory = fleet.config / "inventory.toml"
    text = inventory.read_text().replace("use_ssh_config = false", "use_ssh_config = true")
    ssh_config = tmp_path / "ssh_config"
    extra = tomli_w.dumps({"config_files": [str(ssh_config)]})
    inventory.write_text(text.replace("[ssh]\n", "[ssh]\n" + extra, 1))
    return fleet


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('  HostName "127.0.0.1', "No closing quotation"),
        ("  Port 70000", "Bad port '70000'"),
        # Mistyped, in a block of another host: ssh refuses the file; the console read on,
        # warning, and a typo in app-1's own block would have sent it to app-1's name.
        ("  Hostnme 127.0.0.9", "Bad configuration option: hostnme (did you mean HostName?)"),
    ],
)
def test_an_ssh_config_ssh_refuses_is_refused_by_every_command(
    fleet: Fleet, sshd_server, tmp_path: Path, line: str, why: str
) -> None:
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host app-2\n{line}\n")
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True, timeout=30
    )
    assert ssh.returncode == 255, ssh.stdout  # ssh starts for no host on it
    said = [f"error: {h}: ssh_config: {ssh_config} line 2: {why}" for h in ("app-1", "app-2")]
    run = (
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes",
    )  # fmt: skip
    for args in [("check-config",), run, ("exec", "--systems", "app", "true"), ("probe",)]:
        result = fleet.cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert set(said) <= set(result.stderr.splitlines()), (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not list(fleet.state.rglob("journal.jsonl"))  # nothing recorded
    assert sshd_server.server.accepted_connections() == 0  # nothing sent


def _refused_as_ssh_refuses_it(
    fleet: Fleet, sshd_server, ssh_config: Path, included: Path, line: int
) -> None:
    """`ssh -G` refuses `included` (mode 0666), included at `line` of `ssh_config`; so do
    check-config, exec and probe, for every host, recording and sending nothing."""
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True, timeout=30
    )
    assert ssh.returncode == 255 and f"Bad owner or permissions on {included}" in ssh.stderr
    why = "writable by others (mode 0666: chmod go-w)"
    said = [
        f"error: {h}: ssh_config: {ssh_config} line {line}: Bad owner or permissions on {included}:"
        f" {why}"
        for h in ("app-1", "app-2")
    ]
    for args in [("check-config",), ("exec", "--systems", "app", "true"), ("probe",)]:
        result = fleet.cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert set(said) <= set(result.stderr.splitlines()), (args, result.stderr)
    assert not list(fleet.state.rglob("journal.jsonl"))  # nothing recorded
    assert sshd_server.server.accepted_connections() == 0  # nothing sent


def test_an_ssh_config_another_account_could_write_is_refused_as_ssh_refuses_it(
    fleet: Fleet, sshd_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the user's ssh_config includes, writable by others (or by a group of another
    account's, or owned by another account), passed check-config and was followed, ProxyCommand and all; ssh refuses it
    ('Bad owner or permissions on ...'), as it refuses such a ~/.ssh/config: whoever could
    write it could make ssh, and the console, run any command as this user."""
    ssh_config, included = tmp_path / "ssh_config", tmp_path / "included"
    ssh_config.write_text(f"Include {included}\n")
    included.write_text(f"Host app-2\n  Port {sshd_server.server.port}\n")
    included.chmod(0o666)
    _refused_as_ssh_refuses_it(fleet, sshd_server, ssh_config, included, 1)

    if os.geteuid() == 0:  # another account could write it (its group, or as its owner)
        account = sshd_server.account
        included.chmod(0o664)
        os.chown(included, 0, account.gid)
        why = f"writable by group {account.gid}, not yours alone (mode 0664: chmod g-w)"
        owned = f"owned by uid {account.uid} ({account.name}), neither you nor root"
        for owner, group, said_why in [(0, account.gid, why), (account.uid, 0, owned)]:
            os.chown(included, owner, group)
            ssh = subprocess.run(
                ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True
            )
            assert ssh.returncode == 255, (owner, group)
            result = fleet.cli("check-config")
            assert result.returncode == 2, result.stderr
            assert f"Bad owner or permissions on {included}: {said_why}" in result.stderr
        os.chown(included, 0, 0)  # root's own group, root its one member: ssh takes it
    included.chmod(0o664 if os.geteuid() == 0 else 0o644)  # as ssh takes it: the command runs
    result = fleet.cli("exec", "--systems", "app", "true")
    assert result.returncode == 0, result.stderr

    # ~/.ssh/config itself, as ssh reads its own (ssh takes the home from passwd, not $HOME)
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "config").write_text("Host app-1\n  Port 2222\n")
    (home / ".ssh" / "config").chmod(0o602)
    monkeypatch.setenv("HOME", str(home))
    resolver = Resolver(SshDefaults(config_files=["~/.ssh/config"]))
    with pytest.raises(RouteError, match=r"Bad owner or permissions on .*/home/\.ssh/config"):
        resolver.resolve("app-1")
    (home / ".ssh" / "config").chmod(0o600)
    assert Resolver(SshDefaults(config_files=["~/.ssh/config"])).resolve("app-1").port == 2222


def test_an_include_in_a_block_that_does_not_match_is_checked_as_ssh_checks_it(
    fleet: Fleet, sshd_server, tmp_path: Path
) -> None:
    """Walked as a new user (helper-171): `Include ~/.ssh/extra` inside a `Host nomatch`
    block, the included file writable by others. `ssh app-1` refuses it ('Bad owner or
    permissions', readconf.c reads an Include in a block that does not match, with
    SSHCONF_NEVERMATCH); the console skipped the line, never looked at the file, and
    connected. Nothing in such a file applies: once ssh takes it, its `Host *` and
    `Match` set nothing for app-1 (ssh runs such a `Match exec` command all the same, its
    answer unused; the console runs none)."""
    ssh_config, included = tmp_path / "ssh_config", tmp_path / "included"
    marker = tmp_path / "match-exec-ran"
    ssh_config.write_text(f"Host nomatch\n  Include {included}\n")
    included.write_text(f'Host *\n  ProxyCommand false\nMatch exec "touch {marker}"\n  Port 1\n')
    included.chmod(0o666)
    _refused_as_ssh_refuses_it(fleet, sshd_server, ssh_config, included, 2)

    included.chmod(0o644)  # ssh takes it, and uses nothing of it for app-1
    result = fleet.cli("exec", "--systems", "app", "true")
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


def test_a_port_named_by_its_service_is_that_port_as_in_ssh(tmp_path: Path) -> None:
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text("Host app-1\n  Port ssh\n")
    resolved = Resolver(SshDefaults(config_files=[str(ssh_config)])).resolve("app-1")
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True, timeout=30
    )
    assert "port 22" in ssh.stdout.splitlines()
    assert resolved.port == 22


@pytest.mark.parametrize("jump", ["rbtest@127.0.0.1:abc", "rbtest@[::1:22"])
def test_a_jump_host_ssh_refuses_is_said_not_a_crash(
    fleet: Fleet, sshd_server, tmp_path: Path, jump: str
) -> None:
    """`ProxyJump h156app@127.0.0.2:abc` (or a jump_host so written) read 'error: internal
    error: ValueError: invalid literal for int() with base 10: 'abc' (a bug: ...)' from
    check-config and exec; `[::1:22`, a bracket never closed, passed check-config. ssh
    refuses both ('Invalid -J argument')."""
    (tmp_path / "ssh_config").write_text(f"Host app-2\n  ProxyJump {jump}\n")
    ssh = subprocess.run(["ssh", "-G", "-J", jump, "app-2"], capture_output=True, text=True)
    assert ssh.returncode == 255 and "Invalid -J argument" in ssh.stderr
    said = f"error: app-2: jump host {jump!r}: expected [user@]host[:port], a port from 1 to 65535"
    run = (
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes",
    )  # fmt: skip
    for args in [("check-config",), run, ("probe",), ("exec", "--systems", "app", "true")]:
        result = fleet.cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert said in result.stderr.splitlines(), (args, result.stderr)
        assert "internal error" not in result.stderr
    assert not list(fleet.state.rglob("journal.jsonl"))  # nothing recorded


def test_an_include_of_itself_is_refused_as_ssh_refuses_it(fleet: Fleet, tmp_path: Path) -> None:
    """A file that includes itself read 'error: internal error: RecursionError: maximum
    recursion depth exceeded' (a bug report) from check-config and exec; ssh stops at 16
    levels: 'Too many recursive configuration includes'."""
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host app-2\n  Include {ssh_config}\n")
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-2"], capture_output=True, text=True
    )
    assert ssh.returncode == 255 and "Too many recursive configuration includes" in ssh.stderr
    said = (
        f"error: app-2: ssh_config: {ssh_config} line 2: Too many recursive configuration includes"
    )
    for args in [("check-config",), ("exec", "--systems", "app", "true")]:
        result = fleet.cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert said in result.stderr.splitlines(), (args, result.stderr)
    assert not list(fleet.state.rglob("journal.jsonl"))


def test_times_are_read_as_ssh_reads_them(fleet: Fleet, sshd_server, tmp_path: Path) -> None:
    """`ServerAliveInterval 1m` and `ConnectTimeout 1m`, which ssh takes as 60 s, were
    refused ('Invalid ServerAliveInterval integer value: 1m'); `ServerAliveInterval -5`,
    which ssh refuses ('invalid time value'), passed check-config, then failed each host
    as 'authentication failed: cannot load SSH options: Keepalive interval cannot be
    negative'."""
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text("Host app-*\n  ServerAliveInterval 1m\n  ConnectTimeout 1m\n")
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True
    )
    assert {"serveraliveinterval 60", "connecttimeout 60"} <= set(ssh.stdout.splitlines())
    result = fleet.cli("exec", "--systems", "app", "id -un")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        f"{h}: {sshd_server.server.user}" for h in ("app-1", "app-2")
    ]

    ssh_config.write_text("Host nowhere\n  ServerAliveInterval -5\n")
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True
    )
    assert ssh.returncode == 255 and "invalid time value" in ssh.stderr  # in any block
    said = f"ssh_config: {ssh_config} line 2: invalid time value '-5'"
    for args in [("check-config",), ("exec", "--systems", "app", "true")]:
        result = fleet.cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert f"error: app-1: {said}" in result.stderr.splitlines(), (args, result.stderr)


async def test_the_picker_refuses_a_route_ssh_refuses(fleet: Fleet, tmp_path: Path) -> None:
    """The console at 80x24 (reviewed, helper-158): with `Port 70000`, which check-config
    and run refuse, the picker showed app-2 unreachable, then opened the incident, took
    the lock and said steps 'will fail there until it answers'. It refuses, in its own
    words, before anything is recorded."""
    from console.model.loading import load_settings
    from console.ui.screens.picker import PickerScreen
    from tests.test_ui_support import build_app, declare_and_pick, until

    (tmp_path / "ssh_config").write_text("Host app-2\n  Port 70000\n")
    incidents = fleet.state / "incidents"
    app = build_app(load_settings(fleet.config), incidents)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space", "enter")
        said = "app-2: ssh_config: "
        await until(pilot, lambda: said in str(app.screen.query_one("#picker-error").render()))
        assert isinstance(app.screen, PickerScreen) and app.conductor is None
    assert not incidents.exists() or not any(incidents.iterdir())
    assert not list((fleet.state / "locks").glob("*.lock"))


def test_a_planted_file_name_reaches_the_terminal_inert(fleet: Fleet, tmp_path: Path) -> None:
    """The refusal quotes the file an Include's glob found: in a directory others could
    write, its name is theirs to choose. Seen on main: ESC and BEL (a title set, colours)
    reached the terminal raw through check-config's and exec's refusal, and a newline in
    the name could forge a line of its own."""
    planted = tmp_path / "config.d"
    planted.mkdir()
    planted.chmod(0o777)
    name = planted / "x\x1b]0;pwned\x07\nok: 1 system\x1b[31m"
    name.write_text("Host *\n  Port 22\n")
    name.chmod(0o666)
    (tmp_path / "ssh_config").write_text(f"Include {planted}/*\n")
    shown = "x\\x1b]0;pwned\\x07 ⏎ ok: 1 system\\x1b[31m"
    for args in [("check-config",), ("exec", "--systems", "app", "true")]:
        result = fleet.cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.splitlines()
        refusals = [line for line in lines if "Bad owner or permissions" in line]
        assert len(refusals) == 2, lines  # one per host, the name shown escaped
        assert all(f"{planted}/{shown}: writable by others" in line for line in refusals)
        assert all(line.startswith(("error: ", "warning: ")) for line in lines), lines
        assert not any(c in result.stderr for c in "\x1b\x07"), result.stderr
