"""A `run` killed (SIGKILL) mid-command leaves its incident open and its lock stale. Seen
on a real sshd fleet: the next `exec` there was refused with "take it over with a reason
(--take-over-lock REASON)" alone, not a word of the hosts whose outcome the killed run
left unknown, nor of resuming it. The refusal now says both, as the console's does."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import Fleet
from tests.test_lost_mid_change import release_fleet, release_run

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return release_fleet(sshd_server, tmp_path)


def killed_once_sent(fleet: Fleet, journal: Path, hosts: set[str]) -> None:
    """A `run` journalled in `journal`, killed (SIGKILL) once its actions were sent to
    `hosts` (their restarts wait for `go`): its incident open, its lock stale."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    argv = release_run(fleet, journal)
    run = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        for _ in range(600):
            events = read_journal(journal).events if (journal / "journal.jsonl").exists() else []
            intents = [e for e in events if e.kind == Kind.COMMAND_INTENT]
            if hosts <= {e.where.host for e in intents if e.data.stage == "action"}:
                break
            assert run.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        else:
            raise AssertionError("the run never sent its actions")
    finally:
        run.kill()
        run.wait(timeout=30)


def test_the_stale_lock_of_a_killed_run_says_to_resume_it(fleet: Fleet) -> None:
    journal = fleet.state / "incident"
    killed_once_sent(fleet, journal, {"app-1", "app-2"})

    refused = fleet.cli("exec", "--systems", "app", "true")
    assert refused.returncode == 3, refused.stderr
    said = " ".join(refused.stderr.split())
    assert "held by a stale lock (its process is gone)" in said
    assert "is still open, with the outcome unknown on app-1, app-2 (sent, no outcome" in said
    resume = f"rollback-console resume {journal} --config {fleet.config}"
    headless = f"rollback-console verify {journal} --config {fleet.config}"
    assert f"to carry it on instead, resume it ({resume}), then V; without the console:" in said
    assert said.rstrip().endswith(f"without the console: {headless}."), said
    assert "Traceback" not in refused.stderr
