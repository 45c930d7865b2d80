"""A status update stopped while its channel was being retried says what the channel had
answered. Walked on a README fleet of 200 real sshd hosts: "Communicate status" sent to a
PagerDuty endpoint answering 500, three attempts each answered "HTTP 500 ...", then the
console was sent SIGTERM while it waited to try again; the journal said "no answer yet when
it was stopped", 1 attempt, and so did the document: the receiver's three answers were
nowhere. Here a real headless `run` on a real sshd, its status page answering 500 twice
and then holding the third attempt, Ctrl+C once that attempt is on its way."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.channels import Channel
from console.model.events import Kind
from tests.cli_fleet import write_fleet
from tests.hooks import serving
from tests.test_notify_interrupted import NOOP, run_argv, with_communicate
from tests.test_remote_lifetime import _wait_for

pytestmark = pytest.mark.sshd

OOPS = "HTTP 500 Internal Server Error: oops"


def failing_then_holding(got: list[str], third: threading.Event, release: threading.Event):
    """A handler answering 500 "oops" to the first two requests and holding the third
    unanswered until `release` (at most 60 s); `third` is set once it has come."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append(self.headers.get("Idempotency-Key", ""))
            if len(got) >= 3:
                third.set()
                release.wait(60)
                return
            self.send_response(500)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"oops")

        def log_message(self, *args) -> None:
            pass

    return Handler


def _first_came(got: list[str]) -> bool:
    """Whether the update's first attempt came within 5 s (polled, bounded)."""
    for _ in range(50):
        if got:
            return True
        time.sleep(0.1)
    return False


def fleet_on(sshd_server, tmp_path: Path, base: str, **hosts):
    """A fleet whose status update goes to `base`/hook: 3 retries, 0.2 s apart."""
    channel = {"name": "status-page", "kind": "webhook", "url": base + "/hook"}
    channel |= {"timeout": 120, "retries": 3, "backoff": 0.2}
    procedure = with_communicate([channel], "{{incident}}: {{summary}}")
    if hosts:  # the console's walk: the update alone in the execution phase
        execution = next(p for p in procedure["phases"] if p["phase"] == "execution")
        execution["steps"] = execution["steps"][-1:]
    files = {"procedure.toml": procedure, "strategies.toml": {"strategies": [NOOP]}}
    return write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[], **hosts)


def heard(journal: Path) -> str:
    """The update's one result, not delivered after three attempts: its detail."""
    [result] = [e.data for e in read_journal(journal).events if e.kind == Kind.NOTIFICATION_RESULT]
    assert (result.ok, result.attempts) == (False, 3), result
    assert result.unanswered, result  # the third was on its way: it may have arrived
    return result.detail


def test_ctrl_c_during_a_retry_records_the_answers_heard(sshd_server, tmp_path: Path) -> None:
    got: list[str] = []
    third, release = threading.Event(), threading.Event()
    with serving(failing_then_holding(got, third, release)) as base:
        try:
            fleet = fleet_on(sshd_server, tmp_path, base)
            journal = tmp_path / "incident"
            argv, env = run_argv(fleet, journal)
            run = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
            try:
                assert third.wait(60), got  # answers 1 and 2 were read before it was sent
                run.send_signal(signal.SIGINT)
                out, _ = run.communicate(timeout=60)
            finally:
                run.kill()
                run.wait(timeout=30)
        finally:
            release.set()
    assert run.returncode == 0, out
    assert len(set(got)) == 1, got  # one update, three attempts of it
    assert heard(journal) == (
        f"{OOPS} (after 2 attempts); attempt 3: no answer yet when the step was aborted"
        " (interrupted by SIGINT): it may have arrived"
    )
    assert f"status-page: NOT DELIVERED (warning) — {OOPS} (after 2 attempts)" in out, out


def test_a_send_stopped_while_it_waits_to_retry_says_the_last_answer() -> None:
    """Stopped in the wait before its next attempt (a real loopback endpoint answering
    500, a backoff of a minute): the record is that answer, and that it was not tried
    again, with the attempts made."""
    from console.engine.delivery import Outgoing, Progress, deliver

    got: list[str] = []
    never, release = threading.Event(), threading.Event()

    async def stopped(url: str):
        channel = Channel.validated({"name": "hook", "kind": "webhook", "url": url})
        channel = channel.replace(backoff=60)
        waiting, progress = asyncio.Event(), Progress()
        retrying = lambda *_: waiting.set()  # noqa: E731  (told before it waits)
        send = asyncio.ensure_future(
            deliver(channel, Outgoing({}), {}, retrying=retrying, progress=progress)
        )
        await asyncio.wait_for(waiting.wait(), 60)
        send.cancel()
        with pytest.raises(asyncio.CancelledError):
            await send
        return progress

    with serving(failing_then_holding(got, never, release)) as base:
        progress = asyncio.run(stopped(base + "/hook"))
    assert len(got) == 1, got
    assert progress.cut("no answer yet when it was stopped", "it was stopped") == (
        f"{OOPS}; not tried again: it was stopped",
        1,
    )
    assert Progress().cut("no answer yet when it was stopped", "it was stopped") == (
        "no answer yet when it was stopped",
        1,
    )


@pytest.mark.tmux
def test_the_console_ended_during_a_retry_records_the_answers_heard(sshd_server, tmp_path):
    """The walk's own case: the console at 80x24, its status update on a status page that
    answered 500 twice and holds the third attempt, sent SIGTERM. The record keeps the
    two answers and says how the console ended, as the run's record says it."""
    from tests.test_terminal_closed import console_pid, ended
    from tests.test_ui_terminal import Tmux

    got: list[str] = []
    third, release = threading.Event(), threading.Event()
    tmux = Tmux(tmp_path)
    with serving(failing_then_holding(got, third, release)) as base:
        try:
            fleet = fleet_on(sshd_server, tmp_path, base, hosts=("app-1", "app-2", "app-3"))
            tmux.start(f"{sys.executable} -m console --config {fleet.config}; sleep 60")
            tmux.declare()
            tmux.wait_for("Step 1 of")
            tmux.keys("Enter")
            tmux.wait_for("Step 2 of")
            tmux.keys("Enter")
            for _ in range(5):  # bounded; an Enter the dialog did not take is pressed again
                screen = tmux.wait_until_one_of("Esc does not send", "Sending (")
                if "Esc does not send" not in screen:
                    break
                tmux.keys("Enter")
                if _first_came(got):
                    break
            assert third.wait(60), tmux.screen()
            pid = console_pid(tmux)
            os.kill(pid, signal.SIGTERM)
            _wait_for(lambda: ended(pid), "the console to exit")
        finally:
            release.set()
            tmux.kill()
    [journal] = list((tmp_path / "state" / "incidents").glob("*/journal.jsonl"))
    said = (
        f"{OOPS} (after 2 attempts); attempt 3: no answer yet when the console quit"
        " (detached: ended by SIGTERM): it may have arrived"
    )
    assert heard(journal) == said
    # Resumed, the step reads "? unknown": its detail said nothing more, whoever had been
    # told; it says each channel's answer.
    detail = asyncio.run(resumed_detail(fleet.config, journal))
    assert detail.startswith("Communicate status\n? unknown · notify step\n"), detail
    assert f"Status update #1: ⚠ status-page: not delivered — {said}" in " ".join(detail.split()), (
        detail
    )


async def resumed_detail(config: Path, journal: Path) -> str:
    """The checklist's detail of the first step not done, in the console resumed at 80x24."""
    from textual.widgets import Static

    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.ui.app import make_app
    from console.ui.screens.checklist import ChecklistScreen
    from tests.test_terminal_closed import _let_go
    from tests.test_ui_support import until

    engine = Engine.build(load_settings(config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            detail = app.screen.query_one("#step-detail", Static)
            await until(pilot, lambda: "Communicate" in str(detail.render()))
            return str(detail.render())
    finally:
        await _let_go(app, engine)
