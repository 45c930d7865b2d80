"""The post-rollback form half filled when the console's terminal goes away: what was typed
and not saved is kept in the record. Walked with a second account on 200 real sshd hosts:
h186b, commanding after a hand-over, typed Severity "SEV2" and the users affected into the
form (F5), not yet saved (Ctrl+S), when the SSH session dropped (tmux killed: SIGHUP); the
journal ended with the lock's release, and the typed text was nowhere. The console now
notes it as it ends. The console in a real terminal (tmux, 80x24) on a real sshd."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import write_fleet
from tests.test_notify_interrupted import NOOP, PROCEDURE
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import console_pid, ended
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]


def _severity_typed(sshd_server, tmp_path, tmux: Tmux, then: str) -> None:
    """The console in tmux on three real sshd hosts, an incident declared, its form (F5)
    open and Severity typed "SEV2", not saved; `then`: what the shell runs after it."""
    _form_open(sshd_server, tmp_path, tmux, then)
    tmux.keys("Tab")
    tmux.type("SEV2")


def _form_open(sshd_server, tmp_path, tmux: Tmux, then: str) -> None:
    """The console in tmux on three real sshd hosts, an incident declared, its form (F5)
    open; `then`: what the shell runs after it."""
    files = {"procedure.toml": PROCEDURE, "strategies.toml": {"strategies": [NOOP]}}
    hosts = ("app-1", "app-2", "app-3")
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], hosts=hosts)
    tmux.start(f"{sys.executable} -m console --config {fleet.config}; {then}")
    tmux.declare()
    tmux.wait_for("Step 1 of")
    tmux.keys("F5")
    tmux.wait_for("Severity")


@pytest.mark.parametrize("how", ["hang up", "SIGTERM"])
def test_a_form_typed_and_not_saved_is_noted_as_the_console_ends(sshd_server, tmp_path, how):
    tmux = Tmux(tmp_path)
    try:
        _severity_typed(sshd_server, tmp_path, tmux, "sleep 60")
        tmux.keys("Tab")
        tmux.type("all EU checkout users")
        tmux.wait_for("all EU checkout users")
        pid = console_pid(tmux)
        if how == "hang up":
            tmux.kill()  # the pty closes, as when an SSH session drops
        else:
            os.kill(pid, signal.SIGTERM)
        _wait_for(lambda: ended(pid), "the console to exit")
    finally:
        tmux.kill()
    [journal] = list((tmp_path / "state" / "incidents").glob("*/journal.jsonl"))
    events = read_journal(journal).events
    assert not [e for e in events if e.kind == Kind.FIELD_SET], "nobody saved it"
    why = "terminal closed (SIGHUP)" if how == "hang up" else "ended by SIGTERM"
    [note] = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
    assert note == (
        f"the post-rollback form was not saved when the console ended ({why}):"
        " Severity: “SEV2”; Users or customers affected: “all EU checkout users”"
    )


def _action_item_typed(sshd_server, tmp_path, tmux: Tmux, then: str) -> None:
    """As `_severity_typed`, an action item typed instead (Ctrl+N, its action and owner)."""
    _form_open(sshd_server, tmp_path, tmux, then)
    tmux.keys("C-n")
    tmux.type("add a canary gate")
    tmux.keys("Tab", "Tab")
    tmux.type("dana")


@pytest.mark.parametrize(
    ("typed", "shown", "said"),
    [
        (_severity_typed, "SEV2", "Severity: “SEV2”"),
        (_action_item_typed, "dana", "Action items: “add a canary gate | prevent | dana”"),
    ],
)
def test_a_form_typed_and_not_saved_is_said_before_a_quit_and_noted_after(
    sshd_server, tmp_path, typed, shown, said
):
    """q with the form half filled: the quit's question says the text is not saved, and the
    yes notes it, as typed (before, it asked only of the open incident, and the text went
    with the console). An action item is noted as a line `ACTION | TYPE | OWNER` (before,
    only the text fields were: the question said only that the incident stays open, and
    the item went with the console, unnoted)."""
    tmux = Tmux(tmp_path)
    try:
        typed(sshd_server, tmp_path, tmux, "echo EXITED $?; sleep 60")
        tmux.wait_for(shown)
        tmux.keys("C-q")
        asked = tmux.wait_for("Quit?")
        assert "The post-rollback form has text typed and not saved" in " ".join(asked.split())
        tmux.keys("y")
        tmux.wait_for("EXITED 0")
    finally:
        tmux.kill()
    [journal] = list((tmp_path / "state" / "incidents").glob("*/journal.jsonl"))
    events = read_journal(journal).events
    [note] = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
    assert note == (
        f"the post-rollback form was not saved when the console ended (the console quit): {said}"
    )
