"""A status update sent when its console was killed is not said to have failed: on a
real sshd fleet (50 hosts, bench/fleet.py), `run` killed (SIGKILL) after the close's
status update was sent and before its answer: the document's notifications table read
`no result recorded`, and its summary `1 of 2 notifications not delivered (incidents)`,
a failure nobody saw (the update may have arrived). The summary now says it apart:
`1 of 1 notifications sent with no result recorded (incidents): they may have arrived`.
Real OpenSSH sshd, the command line as a user runs it, a real SIGKILL."""

from __future__ import annotations

import copy
import json
import signal
import time

import pytest
import tomli_w

from tests.test_needed_nothing_sshd import PROCEDURE, STRATEGIES, releases_fleet

pytestmark = pytest.mark.sshd

NOTIFY = {
    "id": "communicate",
    "title": "Communicate status",
    "kind": "notify",
    "message": "{{incident}}: {{summary}}",
    "channels": ["incidents"],
}
# A channel that takes its time: the update is sent, its answer not yet in when killed.
CHANNEL = {"name": "incidents", "kind": "command", "command": "sleep 30"}


def test_an_update_without_an_answer_is_not_said_undelivered(sshd_server, tmp_path):
    procedure = copy.deepcopy(PROCEDURE)
    procedure["phases"][1]["steps"].insert(0, NOTIFY)
    procedure["channels"] = [CHANNEL]
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, ("app-1", "app-2"))
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure))
    journal = tmp_path / "run" / "journal.jsonl"
    run = fleet.started(
        "run", "--systems", "app", "--strategy", "version-rollback", "--trigger",
        "user-impact", "--reason", "checkout errors", "--yes", "--journal", str(journal.parent),
    )  # fmt: skip
    try:
        for _ in range(600):  # bounded: 60 s
            lines = journal.read_text().split("\n")[:-1] if journal.exists() else []  # whole
            kinds = [json.loads(line)["kind"] for line in lines]
            if "notification.sent" in kinds or run.poll() is not None:
                break
            time.sleep(0.1)
        assert run.poll() is None, "the run ended before its update was sent"
        run.send_signal(signal.SIGKILL)
    finally:
        run.kill()
        run.wait(timeout=30)

    document = fleet.cli("export", str(journal.parent), "--format", "json")

    assert document.returncode == 0, document.stderr
    doc = json.loads(document.stdout)["document"]
    [sent] = doc["notifications"]
    assert sent["delivered"] is None and sent["result"] == "no result recorded"
    summary = doc["summary"]["paragraph"]
    assert "not delivered" not in summary, summary
    assert (
        "1 of 1 notifications sent with no result recorded (incidents): they may have"
        " arrived; see Notifications." in summary
    ), summary
