"""The bastion going down mid-incident, on real sshd: a host lost mid-command with the
jump host it went through says so. Walked on a README fleet behind one bastion
(helper-128): every host read 'UNKNOWN (connection lost mid-command): Connection lost' at
once, nothing saying that the bastion, not the hosts, had gone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest
import tomli_w

from console.paths import example_config
from tests import sshd as sshd_mod

pytestmark = pytest.mark.sshd
WAIT = 30.0  # seconds for the command to start on the host (polled, not slept)


def test_a_host_lost_with_its_jump_host_names_it(sshd_server, sshd_account, tmp_path):
    server = sshd_server.server
    bastion = sshd_mod.start_sshd(
        tmp_path / "bastion", sshd_account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        home = tmp_path / "home"
        (home / ".ssh").mkdir(parents=True)
        known = sshd_mod.write_known_hosts(home / ".ssh" / "known_hosts", [server, bastion])
        (home / ".ssh" / "config").write_text(
            f"Host bastion\n  HostName 127.0.0.1\n  Port {bastion.port}\n"
            f"Host web-*\n  HostName 127.0.0.1\n  Port {server.port}\n  ProxyJump bastion\n"
            f"Host *\n  User {server.user}\n  IdentityFile {sshd_server.client_key}\n"
            f"  UserKnownHostsFile {known}\n"
        )
        config = tmp_path / "config"
        shutil.copytree(example_config(), config)
        (config / "console.toml").unlink()
        inventory = {"systems": [{"name": "web", "hosts": [{"name": "web-1"}]}]}
        (config / "inventory.toml").write_text(tomli_w.dumps(inventory))
        marker = sshd_mod.account_dir(sshd_account, "started") / "started"
        env = {"HOME": str(home), "SSH_AUTH_SOCK": "", "ROLLBACK_CONSOLE_STATE": str(tmp_path)}
        argv = ["exec", "--config", str(config), "--systems", "web"]
        running = subprocess.Popen(
            [sys.executable, "-m", "console", *argv, f"touch {marker}; sleep 60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        deadline = time.monotonic() + WAIT
        while not marker.exists() and running.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), running.communicate(timeout=WAIT)
        bastion.stop()  # the bastion goes down: its sshd and every connection it forwards
        _, stderr = running.communicate(timeout=WAIT)
        assert running.returncode == 1, stderr
        assert stderr.startswith(
            "web-1: UNKNOWN (connection lost mid-command): Connection lost (the connection to"
            " its jump host bastion was lost with it); it may have run there"
        ), stderr
    finally:
        bastion.stop()
