"""Resuming an incident whose many hosts are unknown says how many and names a few: on a
real sshd fleet of 200 hosts (bench/fleet.py), `run` killed (SIGKILL) mid-fan-out and
resumed at 80x24, the toast read 'Outcome unknown on h0002, h0003, h0004, ...' through
h0065, every one of the 64, fifteen lines over half the screen; quitting named them all
too. They now read as the close dialog says them: 'Outcome unknown on app-1, app-2, app-3
+5 more: verify (v) before retrying (r).' So does v's verdict, a line a host (64 lines,
a toast taller than the screen): '8 hosts (app-1, app-2, app-3 +5 more): not verified: ...'.
Real OpenSSH sshd: `run` leaves every host unknown (its verify finds the change still
under way, exit 75); the console resumes it in tmux, v, then quits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_close_unknown_fits import left_unknown

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

HOSTS = tuple(f"app-{n}" for n in range(1, 9))
SCROLLBAR = re.compile("[\u2500-\u257f\u2580-\u259f]")  # box drawing and block elements


def _toast(screen: str) -> str:
    """The toasts' text: each row right of a toast's border, less the screen's scrollbar
    beside them (its ▄▄ or ━ read as words of the toast once toasts grew to 55 %)."""
    rows = (row.rsplit("▌", 1)[-1] for row in screen.splitlines() if "▌" in row)
    return " ".join(re.sub(SCROLLBAR, " ", row) for row in rows)


def test_many_unknown_hosts_are_counted_on_resume_and_quit(sshd_server, tmp_path: Path) -> None:
    _, tmux = left_unknown(sshd_server, tmp_path, HOSTS)
    try:
        screen = tmux.wait_for("Outcome unknown on app-1", tries=300)
        toast = _toast(screen)
        said = "Outcome unknown on app-1, app-2, app-3 +5 more: verify (v) before retrying (r)."
        assert said in " ".join(toast.split()), screen  # on main: all eight named
        tmux.keys("v")  # their verify finds the change still under way: a verdict for all
        screen = tmux.wait_for("Some hosts stay unknown", tries=300)
        toast = _toast(screen)
        said = "8 hosts (app-1, app-2, app-3 +5 more): not verified"
        assert said in " ".join(toast.split()), screen  # on main: a line a host
        tmux.keys("C-q")
        screen = tmux.wait_for("Quit (y)", tries=300)
        rows = [row.split("█")[1] for row in screen.splitlines() if row.count("█") >= 2]
        said = " ".join(" ".join(rows).split())  # the dialog's text, its rows joined
        assert "Outcome unknown on app-1, app-2, app-3 +5 more: its locks stay held" in said, screen
    finally:
        tmux.run("kill-server")
