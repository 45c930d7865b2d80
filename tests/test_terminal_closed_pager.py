"""The commander's terminal goes away (the SSH session to the jump host drops) while
PagerDuty does not answer the incident's trigger: nobody is left to wait for it or to
stop the wait, so the console records it as not delivered (it may have arrived), sends
nothing more, and lets go of the incident at once for its resume. On a real OpenSSH sshd,
the console in a real terminal (tmux, 80x24), a PagerDuty endpoint on a loopback socket
that never answers."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.hooks import ACCEPTED, HookServer
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import console_pid, declare, ended, fleet
from tests.test_ui_terminal import Tmux

pytestmark = [pytest.mark.sshd, pytest.mark.tmux]
KEY = "R0utingKey0123456789abcdef"
# Far longer than the bound below: a console waiting out its retries fails the test.
PATIENCE = 60
BOUND = 45


@contextlib.contextmanager
def silent_pager(sshd_server, tmp_path: Path, retries: int) -> Iterator[Tmux]:
    """The console in tmux (80x24, the pane's own process) at its first step on a real
    sshd fleet, its PagerDuty channel a loopback socket that takes and never answers."""
    config, _ = fleet(sshd_server, tmp_path)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        _oncall(config, f"http://127.0.0.1:{silent.getsockname()[1]}/v2/enqueue", retries)
        tmux = Tmux(tmp_path)
        try:
            declare(tmux, config, leader=True)
            tmux.wait_for("Step 1 of")
            yield tmux
        finally:
            tmux.kill()


def test_a_closed_terminal_does_not_wait_for_pagerduty(sshd_server, tmp_path: Path):
    """Walked at 80x24 on a real sshd fleet, PagerDuty never answering: the SSH session
    dropped (SIGHUP) at the checklist, and the console lived on for two minutes, printing
    'waiting for the last PagerDuty event(s) to go out; Ctrl+C stops waiting' to a terminal
    no longer there, holding the incident ('Read-only while that console runs' for the
    commander back on a new session), and sent the acknowledge after the hang-up. As
    docs/notifications.md says, a console whose terminal is gone leaves its notifications
    to the resume."""
    with silent_pager(sshd_server, tmp_path, retries=3) as tmux:
        tmux.keys("Enter")  # the bridge confirmed; the next step would acknowledge
        tmux.wait_for("Step 2 of")
        pid = console_pid(tmux)
        (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
        tmux.kill()  # the pty closes, as when an SSH session drops
        _wait_for(lambda: ended(pid), "the console to exit", BOUND)
    events = read_journal(journal.parent).events
    sent = {e.seq: e.data for e in events if e.kind == Kind.NOTIFICATION_SENT}
    results = {e.data.sent: e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT}
    assert [s.lifecycle for s in sent.values()] == ["trigger"], sent
    [seq] = sent
    assert (results[seq].ok, results[seq].attempts, results[seq].detail) == (
        False,
        1,
        "no answer yet when the console quit (detached: terminal closed (SIGHUP)):"
        " it may have arrived",
    )
    assert KEY not in journal.read_text()


def test_a_closed_terminal_gives_pagerduty_its_last_word(sshd_server, tmp_path: Path):
    """Reviewed after 93c44d30: a console whose terminal closed journalled PagerDuty's
    events as not delivered at once, the close's resolve among them, and nothing sent them
    again: the on-call paged on after the rollback. A receiver that answers a moment after
    the hang-up (3 s, within LAST_WORD_SECONDS) now has its answer journalled."""
    config, _ = fleet(sshd_server, tmp_path)
    with HookServer() as hooks:
        hooks.held = threading.Event()
        _oncall(config, hooks.on("/v2/enqueue", ACCEPTED), retries=0)
        tmux = Tmux(tmp_path)
        try:
            declare(tmux, config, leader=True)
            tmux.wait_for("Step 1 of")  # the trigger is on its way, its answer held
            pid = console_pid(tmux)
            (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
            tmux.kill()  # the pty closes, as when an SSH session drops
            for _ in range(30):  # PagerDuty answers once the console ended, or 3 s after
                if ended(pid):
                    break
                time.sleep(0.1)
            hooks.held.set()
            _wait_for(lambda: ended(pid), "the console to exit", BOUND)
        finally:
            hooks.held.set()
            tmux.kill()
    events = read_journal(journal.parent).events
    sent = {e.seq: e.data for e in events if e.kind == Kind.NOTIFICATION_SENT}
    results = {e.data.sent: e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT}
    [trigger] = [seq for seq, s in sent.items() if s.lifecycle == "trigger"]
    assert results[trigger].ok, results[trigger]


def _oncall(config: Path, url: str, retries: int) -> None:
    """A PagerDuty channel "oncall" at `url`, each attempt waiting PATIENCE for its answer."""
    with (config / "procedure.toml").open("a") as procedure:
        procedure.write(
            f'\n[[channels]]\nname = "oncall"\nkind = "pagerduty"\nrouting_key = "{KEY}"\n'
            f'url = "{url}"\ntimeout = {PATIENCE}\nretries = {retries}\n'
        )


def test_a_quit_then_a_closed_terminal_records_both(sshd_server, tmp_path: Path):
    """The commander quit while PagerDuty's trigger went unanswered ("waiting for the last
    PagerDuty event(s) to go out"), then the terminal closed: the hang-up killed the
    console as it waited (SIGHUP's default, its handler gone with the screen), and the
    journal ended at the trigger's `notification.sent`, nothing of the quit nor of the
    hang-up on record, its lock left as if killed. Now the wait stops, the trigger is
    journalled unanswered, and the release says both."""
    with silent_pager(sshd_server, tmp_path, retries=0) as tmux:
        pid = console_pid(tmux)
        tmux.keys("q")
        tmux.wait_for("Quit?")
        tmux.keys("y")
        tmux.wait_for("waiting for the last PagerDuty event(s) to go out")
        tmux.kill()  # the pty closes, as when an SSH session drops
        _wait_for(lambda: ended(pid), "the console to exit", BOUND)
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    events = read_journal(journal.parent).events
    [result] = [e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT]
    assert result.detail == "no answer yet when it was stopped by the terminal closing", result
    assert result.unanswered, result
    assert events[-1].kind == Kind.LOCK_RELEASED, [e.kind for e in events[-3:]]
    assert events[-1].data.reason == "terminal closed (SIGHUP) after the console quit"
