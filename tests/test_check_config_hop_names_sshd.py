"""check-config looks up, as exec, run and drill will, the name each route dials from this
machine: its first jump host (else the host itself). Walked as a new user (init, an
ssh_config with Include, a bastion and `ProxyJump bastoin` mistyped in the included file):
check-config said `ok`, the dry run printed `via root@bastoin:22`, and exec then found
every host unreachable ('jump host bastoin: name bastoin does not resolve'). A warning, as
check-config warns of what holds only where it runs (a name resolved by this machine's
resolver; a variable not set here): one line for the hosts behind that hop. So is a host's
own name dialled directly: a mistyped address was said only as a key to fetch, with the
ssh-keyscan of that name."""

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


def _warned_then_ran(fleet: Fleet, name: str) -> tuple[list[str], str]:  # noqa: F811
    """check-config's lines naming `name` (it passes), then what exec on `app` said."""
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stderr
    ran = fleet.cli("exec", "--systems", "app", "true")
    said = [line for line in checked.stderr.splitlines() if name in line]
    return said, ran.stdout + ran.stderr


def test_a_jump_host_whose_name_does_not_resolve_is_a_warning_naming_its_hosts(
    fleet: Fleet,  # noqa: F811
    sshd_server,
    tmp_path: Path,
) -> None:
    _ssh_config(tmp_path, sshd_server.server.port, "bastoin")
    said, ran = _warned_then_ran(fleet, "bastoin")
    assert said == [
        "warning: app-1, app-2: jump host bastoin does not resolve here (Name or service not"
        " known): exec, run and drill will find them unreachable; a jump host is reached as"
        " ssh_config says (a Host block giving its HostName)"
    ]
    # what it warned of, as said
    assert "app-1: FAILED (unreachable): jump host bastoin: name bastoin does not resolve" in ran

    _ssh_config(tmp_path, sshd_server.server.port, "bastion")  # spelled right: a name too
    said, ran = _warned_then_ran(fleet, "does not resolve")
    assert said == []
    assert "does not resolve" not in ran  # localhost's key is not known
    assert "jump host bastion" in ran

    (tmp_path / "ssh_config").write_text("")  # no jump host: app-1 is dialled from here
    inventory = fleet.config / "inventory.toml"
    inventory.write_text(inventory.read_text().replace("127.0.0.1", "app-1.invalid", 1))
    said, ran = _warned_then_ran(fleet, "app-1")
    assert said == [
        "warning: app-1: app-1.invalid does not resolve here (Name or service not known):"
        " exec, run and drill will find it unreachable; the name is its address"
        " (inventory.toml), else its HostName (ssh_config), else its own"
    ]
    assert "app-1: FAILED (unreachable): name app-1.invalid does not resolve" in ran
