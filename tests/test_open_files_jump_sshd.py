"""Hosts each behind a jump host of its own (a site's gateway), from a process allowed 64
open files: each jump host's connection holds one, and none was ever closed to make room.
Under `ulimit -n 64` (32 files for connections beside the console's own), 40 hosts behind
40 jump hosts: `run` read the 8 past the room 'not dialled: no open files left', up as
they were, and only after waiting for the commands of hosts behind the others, whose end
freed nothing. Real sshd, every jump host an ssh_config alias of it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES
from tests.test_open_files_sshd import HOSTS, RUN, _exec

pytestmark = pytest.mark.sshd

SITES = 40  # past the 32 files `ulimit -n 64` leaves for connections


def _behind_their_own_jump_hosts(sshd_server, tmp_path: Path, hosts: int):
    """`hosts` hosts, each behind its own jump host `gw-NN` (ssh_config: one sshd)."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=HOSTS[:hosts]
    )
    server = sshd_server.server
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(
        "Host gw-*\n"
        f"  HostName {server.host}\n  Port {server.port}\n  User {server.user}\n"
        f"  IdentityFile {sshd_server.client_key}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {sshd_server.known_hosts}\n"
    )
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    inventory["ssh"] |= {"use_ssh_config": True, "config_files": [str(ssh_config)]}
    for n, host in enumerate(inventory["systems"][0]["hosts"]):
        host["jump_host"] = f"gw-{n:02}"
    path.write_text(tomli_w.dumps(inventory))
    return fleet


def test_jump_hosts_connections_are_closed_to_make_room(sshd_server, tmp_path) -> None:
    """Each host's command, then the next step's: every host ok, the jump hosts' idle
    connections closed to make room (with the hosts tunnelled through them), the wave's
    line saying so (main: 8 hosts 'not dialled: no open files left')."""
    fleet = _behind_their_own_jump_hosts(sshd_server, tmp_path, SITES)
    ran = _exec(fleet, 64, 64, *RUN, "--reason", "x")
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, said[-3000:]
    assert "not dialled" not in said and "Too many open files" not in said, said[-3000:]
    assert "internal error" not in said, said[-3000:]
    closed = re.findall(
        rf"wave 1 of 1 finished: {SITES} ok, 0 failed; (\d+) idle connection\(s\) closed to"
        r" make room for open files \(ulimit -n 64\), their hosts dialled again when next used\n",
        said,
    )
    assert closed and sum(map(int, closed)) >= SITES - 32, said[-3000:]
