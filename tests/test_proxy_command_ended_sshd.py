"""No ProxyCommand outlives the console that started it.

Walked on real sshd: a ProxyCommand that never answered (`exec` timed out reaching the
host) and did not end on the SIGHUP sent as its connection closed (a wrapper that ignores
it) was still running after `exec` had printed its FAILED line and exited: the console's
own reaping (SIGKILL 5 s after the hang-up) ran on its event loop, gone by then. The
pool's close now ends every proxy command it started: hung up on, given a moment, then
killed and reaped. A proxy command that carried a session ends with it too."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest

from tests.test_cli_ssh import cli
from tests.test_proxy_command_said_sshd import through

pytestmark = pytest.mark.sshd


def running(marker: str) -> list[int]:
    """The pids whose command line holds `marker` (this test's own)."""
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_proxy_command_deaf_to_sighup_ends_with_the_console(sshd_server, tmp_path):
    marker = f"h158-{uuid.uuid4().hex}"
    args, home = through(
        sshd_server, tmp_path, f"sh -c \"trap '' HUP; exec python3 -c 'import time; time.sleep(600)' {marker}\"",
        connect_timeout=1.0, login_timeout=1.0,
    )  # fmt: skip
    try:
        result = cli(*args, home=home, state=tmp_path / "state")
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("svc-1: FAILED (unreachable): "), result.stderr
        assert running(marker) == []
    finally:
        for pid in running(marker):
            os.kill(pid, signal.SIGKILL)


def test_a_proxy_command_that_carried_the_session_ends_with_it(sshd_server, tmp_path):
    marker = f"h158-{uuid.uuid4().hex}"
    relay = tmp_path / "relay.py"
    relay.write_text(
        "import os, socket, sys, threading\n"
        "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
        "def up():\n"
        "    while data := os.read(0, 65536):\n"
        "        s.sendall(data)\n"
        "threading.Thread(target=up, daemon=True).start()\n"
        "while data := s.recv(65536):\n"
        "    os.write(1, data)\n"
    )
    # It ignores SIGHUP and keeps its end of the host's connection open past the session.
    proxy = f"sh -c \"trap '' HUP; exec python3 {relay} %p {marker}\""
    args, home = through(sshd_server, tmp_path, proxy)
    try:
        result = cli(*args, home=home, state=tmp_path / "state")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"svc-1: {sshd_server.server.user}"]
        assert running(marker) == []
    finally:
        for pid in running(marker):
            os.kill(pid, signal.SIGKILL)
