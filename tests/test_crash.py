"""kill -9 at chosen points of a real rollback: the journal folds, nothing shown is lost."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.journal.terminal_line import PlaceColumn
from console.model.state import HostStatus, StepStatus, fold

RUN = [
    "run", "--demo", "--systems", "web", "--strategy", "version-rollback",
    "--trigger", "user-impact", "--reason", "crash test", "--yes",
]  # fmt: skip
# web-1 answers each of its commands 3 s late: its action is still under way when the run
# is killed after its intent. Only there: it made every step 3 s longer (the restore 9 s).
SLOW = ["--inject", "slow:web-1"]

KILL_POINTS = {
    # the restore step has started; nothing of it has been sent yet
    "before the intent": "restore started step",
    # web-1's action was written ahead; its command is still running (slowly)
    "between intent and outcome": "web-1 sending action",
    # the verify step is running on the hosts
    "during verify": "verify started step",
}  # as a line says it, its place column's padding aside


def _run_until(tmp_path: Path, point: str, timeout: float = 60.0) -> list[str]:
    """Start a headless rollback, SIGKILL it once the marker of kill point `point` is
    printed; return what it showed."""
    marker = KILL_POINTS[point]
    slow = SLOW if point == "between intent and outcome" else []
    env = {
        **os.environ,
        "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"),
        "TMPDIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "console", *RUN, *slow, "--journal", str(tmp_path / "incident")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    shown: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        for line in process.stdout:
            shown.append(line.rstrip("\n"))
            if marker in " ".join(line.split()):
                process.send_signal(signal.SIGKILL)
                break
            if time.monotonic() > deadline:
                break
        else:
            pytest.fail(f"the run ended before {marker!r}:\n" + "\n".join(shown))
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return shown


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_9_loses_nothing_that_was_shown(tmp_path, point):
    shown = _run_until(tmp_path, point)
    read = read_journal(tmp_path / "incident")
    state = fold(read.events).settle()
    places = PlaceColumn()  # as the run's lines learnt it, from the same events
    written = {line for e in read.events for line in places.line(e).splitlines()}
    missing = [line for line in shown if line not in written]
    assert not missing, f"shown but not in the journal: {missing}"
    assert state.outcome is None
    # Every line's words start in one column, as wide as the longest place: "halt-delivery",
    # "stop-traffic-shift" wider than a fixed 10 pushed their lines' words out of line.
    starts = {len(m[0]) for line in shown if (m := re.match(r"\d\d:\d\d:\d\d  \S* +", line))}
    assert len(starts) == 1, shown

    restore = state.steps.get("restore")
    if point == "before the intent":
        assert restore is not None
        assert all(r.status is not HostStatus.SUCCEEDED for r in restore.hosts.values())
    if point == "between intent and outcome":
        assert restore.hosts["web-1"].status is HostStatus.UNKNOWN
        assert "verify before retrying" in restore.hosts["web-1"].detail
    if point == "during verify":
        assert all(r.status is HostStatus.SUCCEEDED for r in restore.hosts.values())
        # the soak was interrupted: no verdict was recorded, so none is shown
        assert state.steps["verify"].status is StepStatus.RUNNING
        assert not state.recovery


def test_follow_shows_another_process_live_events(tmp_path):
    """Followed from its start, the run (its soak alone lasts ~9 s) is read to its end."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"), "TMPDIR": str(tmp_path)}
    journal = tmp_path / "incident"
    writer = subprocess.Popen(
        [sys.executable, "-m", "console", *RUN, "--journal", str(journal), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90  # the demo fleet starts first: slow on a busy machine
        while not (journal / "journal.jsonl").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writer.poll() is None, "the run ended before it was followed: nothing live"
        follower = subprocess.run(
            [sys.executable, "-m", "console", "follow", str(journal), "--plain"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    finally:
        writer.wait(timeout=120)
    assert follower.returncode == 0, follower.stderr
    lines = follower.stdout.splitlines()
    assert "opened the incident" in lines[0]
    assert any("rolled back: 2.4.1 -> 2.4.0" in ln for ln in lines)
    # the close, then only the close's status update (sent on the channels that heard one)
    [closed] = [i for i, ln in enumerate(lines) if "closed the incident: rolled back" in ln]
    assert all("status update" in ln for ln in lines[closed + 1 :]), lines[closed:]
    events = read_journal(journal).events
    assert len([ln for ln in lines if ln]) >= len(events)


def test_a_follower_says_when_the_writer_died_with_hosts_in_flight(tmp_path):
    # the writer, killed between web-1's intent and its outcome
    _run_until(tmp_path, "between intent and outcome")
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"), "TMPDIR": str(tmp_path)}
    follower = subprocess.Popen(
        [sys.executable, "-m", "console", "follow", str(tmp_path / "incident"), "--plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: list[str] = []
    deadline = threading.Timer(30, follower.kill)  # the follower never ends by itself
    deadline.start()
    try:
        for line in follower.stdout:
            lines.append(line.rstrip("\n"))
            if "exited holding its lock" in line:
                break
    finally:
        deadline.cancel()
        follower.kill()
        follower.wait(timeout=30)
    warning = next((ln for ln in lines if "exited holding its lock" in ln), None)
    assert warning is not None, "\n".join(lines[-20:]) + follower.stderr.read()
    assert "web-1 (restore)" in warning and "Resume the incident" in warning
