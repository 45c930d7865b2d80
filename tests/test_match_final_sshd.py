"""`Match final` blocks apply as ssh applies them: the files read again once the first
reading is done, on top of it (the first value found still wins).

Walked (helper-156): `Match final host 127.0.0.4` set a User that `ssh -G app-2` showed
and the console never read: asyncssh reads the files once, and the console asked for no
final reading, so every `Match final` block was skipped in silence (check-config said
nothing). The usual use: a block for hosts by their final HostName, after a `Host`
block set it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.ssh_homes import named_only
from tests.test_cli_ssh import cli

pytestmark = pytest.mark.sshd


def test_a_match_final_block_sets_where_and_how_a_host_is_reached(sshd_server, tmp_path: Path):
    target, key = sshd_server.server, sshd_server.client_key
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    ssh_config = home / ".ssh" / "config"
    ssh_config.write_text(
        "Host app-*\n  HostName 127.0.0.1\n"
        f"Match final host 127.0.0.1\n  Port {target.port}\n  User {target.user}\n"
        f"  IdentityFile {key}\n  UserKnownHostsFile {sshd_server.known_hosts}\n"
        "Host *\n  User nobody\n"  # read in the first reading: it wins over the final one's
    )
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True, timeout=30
    )
    assert {f"port {target.port}", "user nobody"} <= set(ssh.stdout.splitlines())
    config = named_only(tmp_path)
    result = cli(
        "exec", "--config", str(config), "--systems", "app", "id -un",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # as ssh: nobody, refused, on the right port
    assert result.stderr.startswith(
        f"app-1: FAILED (authentication failed): Permission denied for user nobody on host"
        f" 127.0.0.1; keys offered: {key}"
    ), result.stderr
    ssh_config.write_text(ssh_config.read_text().replace("  User nobody\n", ""))
    result = cli(
        "exec", "--config", str(config), "--systems", "app", "id -un",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"app-1: {target.user}"]


def test_the_final_reading_matches_host_blocks_against_the_hostname(tmp_path: Path):
    """In ssh's final reading, `Host` blocks match the HostName the first reading set:
    `Host 127.0.0.4` (a port for that address) applied in `ssh -G app-1` once a `Match
    final` block made ssh read the files again, where the console, matching the alias
    again, went to port 22: another sshd, maybe another machine."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    ssh_config = home / ".ssh" / "config"
    ssh_config.write_text(
        "Host app-*\n  HostName 127.0.0.4\n"
        "Match final host 127.0.0.4\n  User alice\n"
        "Host 127.0.0.4\n  Port 2222\n"
    )
    ssh = subprocess.run(
        ["ssh", "-F", str(ssh_config), "-G", "app-1"], capture_output=True, text=True, timeout=30
    )
    assert {"hostname 127.0.0.4", "port 2222", "user alice"} <= set(ssh.stdout.splitlines())
    config = named_only(tmp_path)
    dry = cli(
        "exec", "--config", str(config), "--systems", "app", "--dry-run", "true",
        home=home, state=tmp_path / "state",
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "\napp-1: alice@127.0.0.4:2222\n" in dry.stdout, dry.stdout
