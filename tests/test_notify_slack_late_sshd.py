"""A Slack incoming webhook that takes an update and answers after the channel's timeout:
on a real OpenSSH fleet, a headless `run` must not post it again (Slack honours no
Idempotency-Key: a retry is a second message in the channel), and must say it may have
arrived rather than that it was not delivered."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.hooks import Received, first_held, serving
from tests.test_channel_headers_sshd import STRATEGIES, procedure

pytestmark = pytest.mark.sshd

SECRET = "B0SLACK2/late9WvU8tS7rQ6pO5nM4lK"


def test_a_slack_update_answered_too_late_is_posted_once(sshd_server, tmp_path: Path):
    """Walked at 80x24 and headless against a loopback Slack that hung: each status update
    was posted 4 times (the first attempt and 3 retries, 'no answer within 10 s (after 4
    attempts)'), the close's likewise, and the record said each NOT DELIVERED. A Slack
    slow to answer, not down, shows each of them four times in #incidents."""
    got: list[Received] = []
    release = threading.Event()
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
    try:
        with serving(first_held(got, lambda: release.wait(60))) as base:
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
    finally:
        release.set()
    texts = [r.body["text"] for r in got]
    update, closed = (
        [t for t in texts if " closed: " not in t],
        [t for t in texts if " closed: " in t],
    )
    assert (len(update), len(closed)) == (1, 1), texts  # each once
    said = done.stdout + done.stderr
    assert (
        "notification via status-page: NOT DELIVERED (warning) — no answer within 2 s: it may"
        " have arrived; not sent again (Slack would post it twice)" in done.stdout
    ), said
    assert "status update #2 via status-page: delivered — HTTP 200" in done.stdout, said
    journal = next(fleet.state.rglob("journal.jsonl")).read_text()
    assert SECRET not in journal + said
