"""A journal the listing cannot read (a line that is no event) is said, not dropped without
a word: `list` warned only of links and FIFOs, and the home screen said nothing at all, so
an incident whose journal had a damaged line simply was not there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.tmux

DAMAGED = '{"v": 2, "seq": 1, "kind": "incident.opened", "data": \n'


def _damaged(state: Path) -> Path:
    journal = state / "demo-incidents" / "20260101-000000-bad0" / "journal.jsonl"
    journal.parent.mkdir(parents=True)
    journal.write_text(DAMAGED)
    journal.parent.chmod(0o700)
    return journal


def test_list_and_the_home_screen_say_a_journal_they_cannot_read(tmp_path):
    journal = _damaged(tmp_path / "state")
    listed = subprocess.run(
        [sys.executable, "-m", "console", "list", "--demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"ROLLBACK_CONSOLE_STATE": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"},
    )
    assert listed.returncode == 0, listed.stderr
    [warning] = listed.stderr.splitlines()
    assert warning.startswith(f"warning: {journal}:1: not a journal event"), warning
    assert warning.endswith("(not listed)"), warning
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{sys.executable} -m console demo; sleep 60")
        screen = tmux.wait_for("▲ 1 unreadable journal(s) not listed")
        assert "▲ 1 unreadable journal(s) not listed (rollback-console list says why)" in screen
    finally:
        tmux.kill()
