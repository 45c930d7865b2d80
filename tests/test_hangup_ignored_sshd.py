"""A console started ignoring SIGHUP (`trap '' HUP` in its shell) whose terminal goes away
ends as any console whose terminal closes. Walked on init's configuration over 20 real sshd
hosts: started so in tmux, resumed, then tmux killed: the console ran on with no terminal,
nothing journalled, `list` saying its console 'running' with the lock held, its own resume
refused, no teammate able to take command, and it spun a fifth of a core. A `kill -HUP` by
hand, its terminal still there, stays ignored. The console in a real terminal (tmux, 80x24)
on a real sshd."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import write_fleet
from tests.events_factory import recorder_in
from tests.test_incident_custody import INCIDENT, TITLE
from tests.test_notify_interrupted import NOOP, PROCEDURE
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import console_pid, ended
from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.tmux


def _config(sshd_server, tmp_path) -> Path:
    """A configuration on three hosts of one real sshd, as test_form_unsaved_said's."""
    files = {"procedure.toml": PROCEDURE, "strategies.toml": {"strategies": [NOOP]}}
    hosts = ("app-1", "app-2", "app-3")
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=hosts)
    return fleet.config


@pytest.mark.sshd
def test_a_console_ignoring_hangups_ends_once_its_terminal_is_gone(sshd_server, tmp_path):
    config = _config(sshd_server, tmp_path)
    tmux = Tmux(tmp_path)
    pid = 0
    try:
        tmux.start(f"trap '' HUP; exec {sys.executable} -m console --config {config}")
        tmux.declare()
        tmux.wait_for("Step 1 of")
        pid = console_pid(tmux)
        os.kill(pid, signal.SIGHUP)  # by hand, its terminal there: ignored, as it was
        tmux.keys("n")  # and the console still answers its keys
        tmux.wait_for("Add a note")
        tmux.keys("Escape")
        tmux.wait_for("Step 1 of", gone="Add a note")
        tmux.kill()  # the pty closes, as when an SSH session drops
        _wait_for(lambda: ended(pid), "the console to exit")
    finally:
        tmux.kill()
        if pid and not ended(pid):  # one that ran on (it did, before): not left behind
            os.kill(pid, signal.SIGKILL)
    [journal] = list((tmp_path / "state" / "incidents").glob("*/journal.jsonl"))
    last = read_journal(journal).events[-1]
    assert last.kind == Kind.LOCK_RELEASED
    assert last.data.reason == "terminal closed (SIGHUP)"


def test_a_follow_view_ignoring_hangups_ends_once_its_terminal_is_gone(tmp_path):
    """Alike the read-only follow view: it ran on at a fifth of a core with its terminal
    gone. It holds nothing, so it just ends."""
    journals = tmp_path / "journals"
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)
    recorder.close()
    tmux = Tmux(tmp_path)
    pid = 0
    try:
        journal = journals / INCIDENT / "journal.jsonl"
        tmux.start(f"trap '' HUP; exec {sys.executable} -m console follow {journal}")
        tmux.wait_for("READ-ONLY")
        pid = int(tmux.run("display-message", "-p", "-t", "rc", "#{pane_pid}").strip())
        os.kill(pid, signal.SIGHUP)  # by hand, its terminal there: ignored, as it was
        tmux.keys("F4")  # and the view still answers its keys
        tmux.wait_for("filter by kind")
        tmux.kill()
        _wait_for(lambda: ended(pid), "the follow view to exit")
    finally:
        tmux.kill()
        if pid and not ended(pid):  # one that ran on (it did, before): not left behind
            os.kill(pid, signal.SIGKILL)


@pytest.mark.sshd
def test_a_console_sent_sigint_says_so_as_it_ends(sshd_server, tmp_path):
    """`kill -INT` (Ctrl+C is a key in the console, its quit's): walked, the console
    quit at once and silently, exit 0, its lock released with no reason, as if the
    commander had quit. It ends as TERM ends it, the reason journalled, exit 1."""
    config = _config(sshd_server, tmp_path)
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{sys.executable} -m console --config {config}; echo EXITED $?; sleep 60")
        tmux.declare()
        tmux.wait_for("Step 1 of")
        os.kill(console_pid(tmux), signal.SIGINT)
        screen = tmux.wait_for("EXITED")
    finally:
        tmux.kill()
    assert "EXITED 1" in screen
    assert "".join(screen.splitlines()).startswith("ended by SIGINT: "), screen
    [journal] = list((tmp_path / "state" / "incidents").glob("*/journal.jsonl"))
    last = read_journal(journal).events[-1]
    assert last.kind == Kind.LOCK_RELEASED
    assert last.data.reason == "ended by SIGINT"
