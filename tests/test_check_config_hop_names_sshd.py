"""check-config looks up, as exec, run and drill will, the name each route dials from this
machine: its first jump host (else the host itself). Walked as a new user (init, an
ssh_config with Include, a bastion and `ProxyJump bastoin` mistyped in the included file):
check-config said `ok`, the dry run printed `via root@bastoin:22`, and exec then found
every host unreachable ('jump host bastoin: name bastoin does not resolve'). A warning, as
check-config warns of what holds only where it runs (a name resolved by this machine's
resolver; a variable not set here): one line for the hosts behind that hop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_fleet import Fleet
from tests.test_unroutable_refused_sshd import fleet  # noqa: F401

pytestmark = pytest.mark.sshd


def _ssh_config(tmp_path: Path, port: int, hop: str) -> None:
    (tmp_path / "hosts.conf").write_text(f"Host app-*\n    ProxyJump {hop}\n")
    (tmp_path / "ssh_config").write_text(
        f"Include {tmp_path}/hosts.conf\nHost bastion\n    HostName localhost\n    Port {port}\n"
    )


def test_a_jump_host_whose_name_does_not_resolve_is_a_warning_naming_its_hosts(
    fleet: Fleet,  # noqa: F811
    sshd_server,
    tmp_path: Path,
) -> None:
    _ssh_config(tmp_path, sshd_server.server.port, "bastoin")
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stderr
    said = [line for line in checked.stderr.splitlines() if "bastoin" in line]
    assert said == [
        "warning: app-1, app-2: jump host bastoin does not resolve here (Name or service not"
        " known): exec, run and drill will find them unreachable; a jump host is reached as"
        " ssh_config says (a Host block giving its HostName)"
    ]
    ran = fleet.cli("exec", "--systems", "app", "true")  # what it warned of, as said
    assert ran.returncode == 1
    assert "app-1: FAILED (unreachable): jump host bastoin: name bastoin does not resolve" in (
        ran.stdout + ran.stderr
    )

    _ssh_config(tmp_path, sshd_server.server.port, "bastion")  # spelled right: a name too
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stderr
    assert "does not resolve" not in checked.stderr
    ran = fleet.cli("exec", "--systems", "app", "true")  # localhost's key is not known
    assert "does not resolve" not in ran.stdout + ran.stderr
    assert "jump host bastion" in ran.stdout + ran.stderr
