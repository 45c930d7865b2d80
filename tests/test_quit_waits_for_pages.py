"""The console quits with a PagerDuty trigger still unanswered (a real loopback socket
that never replies, a real sshd host, the console in tmux at 80x24): it says it waits,
and then how each event it waited for ended, in a line each, before where the incident
stands. Walked: a quit waited a minute for a hanging endpoint, then printed only the
resume line; the trigger, journalled NOT DELIVERED, was never said to anyone (the
console's screen was gone), so the commander left believing on-call was paged."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_notify_interrupted import fleet_paging_silently
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]

NOT_PAGED = "PagerDuty trigger via oncall: NOT DELIVERED (warning) — "


def quit_waiting(tmux: Tmux, config: Path) -> None:
    """Declare an incident on the fleet's app, quit at its first step: to the wait."""
    tmux.start(f"{sys.executable} -m console --config {config}; echo EXITED $?; sleep 30")
    tmux.wait_for("Press n to declare")
    tmux.keys("n")
    tmux.wait_for("Declare the rollback trigger")
    tmux.keys("Down", "Space", "Tab")
    tmux.type("checkout fails")
    tmux.keys("C-s")
    tmux.wait_for("✔ up")
    tmux.keys("Space", "Enter")
    tmux.wait_for("Step 1 of 3")
    tmux.keys("C-q")
    tmux.wait_for("Quit (y)")
    tmux.keys("y")
    tmux.wait_for("go out; Ctrl+C stops waiting")


def said(screen: str) -> str:
    """The terminal's lines, each joined again where tmux wrapped it at 80 columns."""
    return "".join(line if len(line) >= 80 else f"{line}\n" for line in screen.splitlines())


def test_a_quit_says_the_page_it_waited_for_was_not_delivered(sshd_server, tmp_path: Path) -> None:
    with socket.socket() as silent:
        # 4 s: the wait stays on screen long enough to be seen under load (2 s was not)
        fleet = fleet_paging_silently(sshd_server, tmp_path, silent, timeout=4)
        tmux = Tmux(tmp_path)
        try:
            quit_waiting(tmux, fleet.config)
            screen = tmux.wait_for("EXITED 0")
        finally:
            tmux.kill()
    assert "Traceback" not in screen
    lines = said(screen)
    assert f"{NOT_PAGED}no answer within 4 s" in lines, screen
    assert lines.index(NOT_PAGED) < lines.index("open at step 1 of 3"), screen


def test_ctrl_c_while_the_console_sends_its_last_page_closes_the_journal(
    sshd_server, tmp_path: Path
) -> None:
    """Ctrl+C in the wait records the event as not delivered, says so, releases the lock,
    and prints where the incident stands, with no traceback."""
    with socket.socket() as silent:
        fleet = fleet_paging_silently(sshd_server, tmp_path, silent)
        tmux = Tmux(tmp_path)
        try:
            quit_waiting(tmux, fleet.config)
            tmux.keys("C-c")
            screen = tmux.wait_for("EXITED 0")
        finally:
            tmux.kill()
    assert "Traceback" not in screen
    assert "open at step 1 of 3" in screen, screen
    lines = said(screen)
    assert f"{NOT_PAGED}no answer yet when it was interrupted by SIGINT" in lines, screen
    events = read_journal(next((tmp_path / "state" / "incidents").glob("*/journal.jsonl"))).events
    [result] = [e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT]
    assert (result.ok, result.detail) == (False, "no answer yet when it was interrupted by SIGINT")
    assert events[-1].kind == Kind.LOCK_RELEASED
