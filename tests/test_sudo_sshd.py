"""sudo on a host, as docs/strategies.md says to use it, through a real sshd and the real
sudo: passwordless sudo runs as root; a sudo that wants a password fails at once with
its own words (a command has no terminal to ask on), never waits; and a command under
sudo that times out is stopped on its host, root's process too, nothing left behind."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import sshd
from tests.conftest import _on_ci
from tests.test_cli_ssh import cli, config_dir

pytestmark = pytest.mark.sshd

# One drop-in per test process (pytest -n runs several); sudo skips a name with a dot.
SUDOERS = Path(f"/etc/sudoers.d/rollback-console-tests-{os.getpid()}")
WAIT = 30.0


@pytest.fixture(scope="module")
def sudo_account() -> Iterator[sshd.Account]:
    """`rbsudo`, allowed passwordless sudo by a drop-in that this module writes (and
    removes); the other test account, `rbtest`, has no rule: sudo wants its password."""
    if os.geteuid() != 0 or shutil.which("sudo") is None or shutil.which("visudo") is None:
        message = "sudo tests need root and Debian's sudo (scripts/bootstrap installs it)"
        if _on_ci():
            pytest.fail(f"{message} on CI", pytrace=False)
        pytest.skip(message)
    account = sshd.ensure_test_account("rbsudo")
    rule = SUDOERS.with_name(SUDOERS.name + ".new")
    rule.write_text(f"{account.name} ALL=(root) NOPASSWD: ALL\n")
    rule.chmod(0o440)
    checked = subprocess.run(["visudo", "-cf", str(rule)], capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    rule.rename(SUDOERS)
    try:
        yield account
    finally:
        SUDOERS.unlink(missing_ok=True)


def _exec(tmp_path: Path, server: sshd.SshdServer, key: Path, command: str, timeout: float):
    """`exec` on one host, the account of `server`, commands stopped after `timeout` s."""
    known = sshd.write_known_hosts(tmp_path / f"known-{server.port}", [server])
    inventory = {
        "ssh": {
            "use_ssh_config": False,
            "user": server.user,
            "identity_files": [str(key)],
            "known_hosts": str(known),
            "command_timeout": timeout,
        },
        "systems": [
            {
                "name": "web",
                "hosts": [{"name": "web-1", "address": "127.0.0.1", "port": server.port}],
            }
        ],
    }
    directory = config_dir(tmp_path / f"config-{secrets.token_hex(4)}", inventory)
    args = ["exec", "--config", str(directory), "--systems", "web", command]
    return cli(*args, home=tmp_path, state=tmp_path / "state")


@pytest.fixture
def sudo_server(tmp_path, sshd_server, sudo_account) -> Iterator[sshd.SshdServer]:
    """A second sshd, logging in as `rbsudo` with the same client key."""
    workdir = tmp_path / "sudo-sshd"
    server = sshd.start_sshd(workdir, sudo_account, authorized_keys=[sshd_server.client_public_key])
    try:
        yield server
    finally:
        server.stop()


def test_passwordless_sudo_runs_as_root(tmp_path, sshd_server, sudo_server):
    done = _exec(tmp_path, sudo_server, sshd_server.client_key, "sudo -n id -u", 30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["web-1: 0"]


def test_a_sudo_that_wants_a_password_fails_at_once_in_its_own_words(
    tmp_path, sshd_server, sudo_account
):
    """No terminal to ask on: sudo says so and exits 1; the host fails as a non-zero
    exit, not as a timeout (the command timeout is 60 s: it was never waited out)."""
    for command in ("sudo id -u", "sudo -n id -u"):
        done = _exec(tmp_path, sshd_server.server, sshd_server.client_key, command, 60)
        assert done.returncode == 1
        assert "web-1: sudo: a password is required" in done.stderr, done.stderr
        assert "web-1: FAILED (non-zero exit): exit status 1" in done.stderr, done.stderr
        assert "timeout" not in done.stderr


def test_a_command_under_sudo_that_times_out_leaves_nothing_on_its_host(
    tmp_path, sshd_server, sudo_server
):
    """Debian's sudo runs the command on a pty of its own (use_pty): the supervisor's
    TERM reaches sudo, which passes it on to root's process; none is left."""
    seconds = 3000 + secrets.randbelow(900)  # a sleep this test alone runs
    done = _exec(tmp_path, sudo_server, sshd_server.client_key, f"sudo -n sleep {seconds}", 2)
    assert done.returncode == 1
    assert "web-1: FAILED (timeout): no exit within 2 s" in done.stderr, done.stderr

    def left() -> str:
        ps = subprocess.run(["ps", "-eo", "user,pid,args"], capture_output=True, text=True)
        return "\n".join(line for line in ps.stdout.splitlines() if f"sleep {seconds}" in line)

    deadline = time.monotonic() + WAIT
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left(), left()
