"""Ctrl+C on a headless run in a real terminal: the terminal echoes `^C` where its cursor
is, and what the run says next starts on a line of its own. Walked on a README fleet of
real sshd hosts at 80x24: the run's report began `^Chosts whose last step did not
succeed:`, glued to the echo."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE

pytestmark = pytest.mark.sshd

SLOW = {
    "strategies": [
        {
            "name": "slow",
            "kind": "custom",
            "description": "A restore that takes its time",
            "commands": {"precheck": "test -d .", "action": "sleep 30", "verify": "true"},
        }
    ]
}


def _read(fd: int, until: bytes, seconds: float) -> bytes:
    """What the terminal shows until `until` appears, the program ends, or `seconds`."""
    shown = b""
    end = time.monotonic() + seconds
    while until not in shown and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the program ended: its side of the terminal closed
                break
            if not chunk:
                break
            shown += chunk
    return shown


def test_ctrl_c_starts_the_report_on_a_line_of_its_own(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": SLOW, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["slow"], probes=[])
    argv = [
        sys.executable, "-m", "console", "run", "--config", str(fleet.config),
        "--systems", "app", "--strategy", "slow", "--trigger", "user-impact",
        "--reason", "checkout broken", "--yes",
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    master, slave = pty.openpty()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # its terminal: ^C is SIGINT
    )  # fmt: skip
    os.close(slave)
    try:
        # Both hosts' actions sent (they wait): nothing else is on its way to the terminal
        # (app-1's precheck line, still printing after the first, came after the echo)
        shown = _read(master, b"sending action", 60)
        if shown.count(b"sending action") < 2:
            shown += _read(master, b"sending action", 60)
        assert shown.count(b"sending action") == 2, shown.decode(errors="replace")
        os.write(master, b"\x03")  # the terminal's own Ctrl+C: echoed, and SIGINT sent
        shown += _read(master, b"journal ", 60)
        assert process.wait(timeout=60) == 1
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    text = shown.decode(errors="replace")
    assert "^C" in text, text  # the terminal did echo it
    after = text.split("^C", 1)[1]
    assert after.startswith("\r\n"), text
