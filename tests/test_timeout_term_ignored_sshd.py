"""A command that ignores TERM is stopped when its step's timeout (or an abort) ends it.
Walked on a fleet of real sshd hosts (helper-149): a restart script that traps TERM
(`trap "" TERM`, as scripts that clean up do) ran past the strategy's timeout; the run
recorded 'timeout: no exit within 8 s; TERM sent, then KILL if needed', closed the
incident and released its locks, and the script and its sleep ran on: the supervisor's
TERM ended the wrapper, whose watcher it ended too, and the console's KILL reached only
the wrapper, already gone. The watcher now outlives that TERM, and KILLs what is left of
the group once the channel closes, as it does when the session is lost."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.test_remote_lifetime import _alive, _pid, _wait_for, fleet

pytestmark = pytest.mark.sshd

# Ignores TERM, as its sleep does (an ignored signal stays ignored across exec).
STUBBORN = "sh -c 'trap \"\" TERM; echo $$ > stubborn.pid; exec sleep 300'"


def test_a_command_that_ignores_term_is_killed_after_its_timeout(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path, ["web-1"], command_timeout=2.0)
    done = subprocess.run(
        [sys.executable, "-m", "console", "exec", "--config", str(config), "--systems", "web", STUBBORN],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "web-1: FAILED (timeout): no exit within 2 s" in done.stderr, done.stderr
    pid = _pid(sandboxes["web-1"] / "stubborn.pid")
    _wait_for(lambda: not _alive(pid), "the command that ignored TERM to end")
