"""`follow` says in one line, exit 2, that a journal file it follows can no longer be read
as a journal's file (replaced by a symbolic link, a FIFO or another account's file since
it was first read), as its first read says it: never an internal error.

Seen reviewing 38430a15 (follow's tail opens a journal's files as its other readers do):
an open incident followed with `follow --plain`, its journal.jsonl replaced by a link to a
longer copy, ended 'error: internal error: OSError: [Errno 40] a symbolic link, not the
file itself (a bug: please report it with .../crashes/...txt ...)', exit 1; the console's
follow view (tmux, 80x24) ended on a Rich traceback."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.model.events import Kind
from tests.events_factory import recorder_in
from tests.test_ui_terminal import Tmux

REPO = Path(__file__).resolve().parent.parent


def _said_until(fd: int, text: bytes, seconds: float = 60) -> bytes:
    """What the raw pipe gave until `text` showed (or it ended, or time ran out)."""
    got, deadline = b"", time.monotonic() + seconds
    os.set_blocking(fd, False)
    while text not in got and time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            time.sleep(0.05)
            continue
        if not chunk:
            break
        got += chunk
    return got


def _open_incident(tmp_path: Path) -> Path:
    """An open incident's directory, nobody driving it: followed until it is closed."""
    incident = tmp_path / "incident"
    recorder = recorder_in(incident)
    recorder.record(Kind.INCIDENT_OPENED, incident_id="20261206-060000-open", title="followed")
    recorder.record(Kind.NOTE_ADDED, text="still open: nobody closed it")
    recorder.close()
    return incident


def _replaced_by_a_link(journal: Path, copy: Path) -> None:
    """`journal` replaced by a link to a longer copy: the next poll finds more there."""
    lines = journal.read_bytes().splitlines(keepends=True)
    copy.write_bytes(b"".join(lines) + lines[-1])
    journal.unlink()
    journal.symlink_to(copy)


def test_a_followed_file_replaced_by_a_link_is_said_in_one_line(tmp_path: Path) -> None:
    incident = _open_incident(tmp_path)
    journal = incident / "journal.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO), "ROLLBACK_CONSOLE_STATE": str(tmp_path / "s")}
    follower = subprocess.Popen(
        [sys.executable, "-m", "console", "follow", str(incident), "--plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert follower.stdout is not None and follower.stderr is not None
        shown = _said_until(follower.stdout.fileno(), b"still open: nobody closed it")
        assert b"still open: nobody closed it" in shown, shown
        _replaced_by_a_link(journal, tmp_path / "copy.jsonl")
        follower.wait(timeout=60)
        said = follower.stderr.read().decode()
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert follower.returncode == 2, said
    assert said.splitlines()[-1] == (
        f"error: {journal}: cannot be read: a symbolic link, not the file itself"
    ), said
    assert "internal error" not in said and "Traceback" not in said, said


@pytest.mark.tmux
def test_the_follow_view_quits_saying_it_in_one_line(tmp_path: Path) -> None:
    incident = _open_incident(tmp_path)
    journal = incident / "journal.jsonl"
    program = f"{shlex.quote(sys.executable)} -m console follow {shlex.quote(str(incident))}"
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"PYTHONPATH={shlex.quote(str(REPO))} {program}; echo EXITED $?; sleep 60")
        tmux.wait_for("READ-ONLY")
        _replaced_by_a_link(journal, tmp_path / "copy.jsonl")
        screen = tmux.wait_for("EXITED")
    finally:
        tmux.kill()
    flat = screen.replace("\n", "")  # the line wraps at 80 columns
    assert f"error: {journal}: cannot be read: a symbolic link, not the file itself" in flat, screen
    assert "EXITED 2" in screen and "Traceback" not in screen, screen
