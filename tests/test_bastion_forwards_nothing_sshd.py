"""A jump host that forwards nothing is said so, naming it: behind a bastion whose sshd
has `AllowTcpForwarding no`, every host read 'FAILED (unreachable): ChannelOpenError: open
failed' (walked on real sshd, helper-156), naming neither the bastion nor why, where ssh
says 'stdio forwarding failed'."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import sshd as sshd_mod
from tests.ssh_homes import named_only, ssh_home, via_bastion
from tests.test_cli_ssh import cli

pytestmark = pytest.mark.sshd


def test_a_bastion_that_forwards_nothing_is_named(sshd_server, sshd_account, tmp_path: Path):
    target, key = sshd_server.server, sshd_server.client_key
    bastion = sshd_mod.start_sshd(
        tmp_path / "bastion",
        sshd_account,
        authorized_keys=[sshd_server.client_public_key],
        extra_config="AllowTcpForwarding no",
    )
    try:
        known = sshd_mod.write_known_hosts(tmp_path / "kh", [target, bastion])
        home = ssh_home(tmp_path, via_bastion(bastion.port, target, key, known))
        config = named_only(tmp_path)
        result = cli(
            "exec", "--config", str(config), "--systems", "app", "id -un",
            home=home, state=tmp_path / "state",
        )  # fmt: skip
    finally:
        bastion.stop()
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"app-1: FAILED (unreachable): jump host bastion will not forward to 127.0.0.1:"
        f"{target.port}: open failed, administratively prohibited: its sshd forwards nothing"
        " there (AllowTcpForwarding no, or a PermitOpen that leaves it out; ssh: 'stdio"
        " forwarding failed')"
    )
