"""A Slack incoming webhook that takes an update and answers after the channel's timeout,
or hangs up in place of its answer: on a real OpenSSH fleet, a headless `run` must not post it again (Slack honours no
Idempotency-Key: a retry is a second message in the channel), and must say it may have
arrived rather than that it was not delivered."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.hooks import Received, first_held, serving
from tests.test_channel_headers_sshd import STRATEGIES, procedure

pytestmark = pytest.mark.sshd

SECRET = "B0SLACK2/late9WvU8tS7rQ6pO5nM4lK"


def hangs_up_on_the_first(got: list[Received]) -> type[BaseHTTPRequestHandler]:
    """A Slack that takes each update whole and answers 200, except the first: it closes
    the connection in place of the answer (a proxy restarting, a worker killed)."""

    class HangsUp(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.append(Received(self.path, dict(self.headers), body))
            if len(got) == 1:
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    return HangsUp


def slack_run(sshd_server, tmp_path: Path, handler: type[BaseHTTPRequestHandler]):
    """A headless run whose "Communicate status" posts to a Slack played by `handler`."""
    data = procedure("http://unused.invalid/")
    data["channels"][0] = {
        "name": "status-page",
        "kind": "slack",
        "url_env": "SLACK_URL",
        "timeout": 2,
        "retries": 3,
        "backoff": 1,
    }
    data["phases"][1]["steps"][1]["required"] = False
    with serving(handler) as base:
        env = {"SLACK_URL": f"{base}/services/T0AAAA1/{SECRET}"}
        files = {"strategies.toml": STRATEGIES, "procedure.toml": data}
        fleet = write_fleet(
            sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[], env=env
        )
        done = fleet.cli(
            *("run", "--systems", "app", "--strategy", "app-rollback"),
            *("--trigger", "user-impact", "--reason", "checkout broken", "--yes"),
            *("--outcome", "unverified:no probes here"),
        )
    journal = next(fleet.state.rglob("journal.jsonl")).read_text()
    assert SECRET not in journal + done.stdout + done.stderr
    return done


def posted_once(got: list[Received]) -> None:
    texts = [r.body["text"] for r in got]
    closed = [t for t in texts if " closed: " in t]
    assert (len(texts) - len(closed), len(closed)) == (1, 1), texts  # each once


def test_a_slack_update_answered_too_late_is_posted_once(sshd_server, tmp_path: Path):
    """Walked at 80x24 and headless against a loopback Slack that hung: each status update
    was posted 4 times (the first attempt and 3 retries, 'no answer within 10 s (after 4
    attempts)'), the close's likewise, and the record said each NOT DELIVERED. A Slack
    slow to answer, not down, shows each of them four times in #incidents."""
    got: list[Received] = []
    release = threading.Event()
    try:
        done = slack_run(sshd_server, tmp_path, first_held(got, lambda: release.wait(60)))
    finally:
        release.set()
    posted_once(got)
    said = done.stdout + done.stderr
    assert (
        "notification via status-page: NOT DELIVERED (warning) — no answer within 2 s: it may"
        " have arrived; not sent again (Slack would post it twice)" in done.stdout
    ), said
    assert "status update #2 via status-page: delivered — HTTP 200" in done.stdout, said


def test_a_slack_that_hangs_up_in_place_of_its_answer_is_posted_once(sshd_server, tmp_path: Path):
    """A Slack (or a proxy before it) that took the update whole and closed the
    connection without answering: it was posted again ('Remote end closed connection
    without response', retried), and Slack showed it twice if it had taken it."""
    got: list[Received] = []
    done = slack_run(sshd_server, tmp_path, hangs_up_on_the_first(got))
    posted_once(got)
    assert (
        "notification via status-page: NOT DELIVERED (warning) — Remote end closed connection"
        " without response: it may have arrived; not sent again (Slack would post it twice)"
        in done.stdout
    ), done.stdout + done.stderr
