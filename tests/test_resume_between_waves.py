"""A rollback killed between two waves on real sshd: the hosts of the later waves were never
sent anything. The record says so (not started), and after `resume` a retry goes on with
them alone; the host of the first wave is not rolled back a second time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from tests.cli_fleet import Fleet, write_fleet

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "release",
            "kind": "version-rollback",
            # a canary, then a long pause: the console is killed in it
            "waves": {"size": 1, "pause_seconds": 120},
        }
    ]
}
PROCEDURE = {
    "name": "Release rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore the release", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}],
        },
    ],
}
RELEASES = ("1.9.2", "1.10.0", "1.11.0")


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=[])
    for sandbox in fleet.sandboxes.values():
        for version in RELEASES:
            (sandbox / "releases" / version).mkdir(parents=True)
            os.chown(sandbox / "releases" / version, sshd_server.account.uid, -1)
        os.chown(sandbox / "releases", sshd_server.account.uid, -1)
        (sandbox / "current").symlink_to("releases/1.11.0")
        os.lchown(sandbox / "current", sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def run_killed_after_first_wave(fleet: Fleet, journal: Path, timeout: float = 90.0) -> None:
    """`run` as a user types it, SIGKILLed once its first wave has finished."""
    argv = [
        sys.executable, "-m", "console", "run", "--config", str(fleet.config),
        "--systems", "app", "--strategy", "release", "--trigger", "user-impact",
        "--reason", "1.11.0 breaks checkout", "--yes", "--journal", str(journal),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    shown = []
    deadline = time.monotonic() + timeout
    try:
        assert process.stdout is not None
        for line in process.stdout:
            shown.append(line)
            if "wave 1 of 2 finished" in line:
                process.send_signal(signal.SIGKILL)
                break
            if time.monotonic() > deadline:
                break
        else:
            pytest.fail("the run ended before its first wave finished:\n" + "".join(shown))
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(shown)


async def test_a_retry_after_resume_goes_on_with_the_hosts_never_started(fleet: Fleet) -> None:
    journal = fleet.state / "incident"
    run_killed_after_first_wave(fleet, journal)
    link = {h: s / "current" for h, s in fleet.sandboxes.items()}
    assert link["app-1"].readlink() == Path("releases/1.10.0")
    assert link["app-2"].readlink() == Path("releases/1.11.0")

    # The record, as a reader (export) sees it: app-2 did not start.
    events = read_journal(journal).events
    restore = fold(events).settle().step("restore").hosts
    assert restore["app-1"].status is HostStatus.SUCCEEDED
    assert restore["app-2"].status is HostStatus.NOT_STARTED
    document = EXPORT_FORMATS["markdown"].render(events, False)
    assert "| app-2 | ○ not started |" in document

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)  # its own stale lock, taken back
    try:
        assert conductor.failed_hosts("restore") == ["app-2"]  # what t (retry) runs on
        assert await conductor.run_step("restore", only_hosts=conductor.failed_hosts("restore"))
    finally:
        await engine.close()
        conductor.recorder.close()
    assert link["app-1"].readlink() == Path("releases/1.10.0")  # not rolled back twice
    assert link["app-2"].readlink() == Path("releases/1.10.0")
    assert conductor.state.step("restore").hosts["app-2"].status is HostStatus.SUCCEEDED
