"""An aborted status update stops its own channels, not PagerDuty's incident events: on a
real OpenSSH fleet, a headless `run` stopped by Ctrl+C while "Communicate status" waits on
a Slack webhook that never answers still retries the close's PagerDuty event as its
channel says."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.hooks import ACCEPTED, HookServer
from tests.test_channel_headers_sshd import procedure
from tests.test_notify_interrupted import rollback_interrupted

pytestmark = pytest.mark.sshd
OOPS = (500, "oops", {})


def test_pagerduty_events_after_an_aborted_update_are_retried(sshd_server, tmp_path: Path):
    """Walked at 80x24 on a real sshd fleet, Slack and PagerDuty hanging: `a` on
    "Communicate status" (reason "slack hangs; told on the bridge") stopped its update, as
    it should, and from then on every PagerDuty incident event got one attempt: the
    acknowledge sent after it was journalled 'no answer within 10 s; not tried again: slack
    hangs; told on the bridge' (attempts 1), the declaration's trigger in flight said so
    too, and a close before the step was run again would have paged or resolved with one
    attempt. The step's abort stayed in force for sends that were never the step's."""
    with socket.socket() as silent, HookServer() as hooks:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        slack = f"http://127.0.0.1:{silent.getsockname()[1]}/services/T0/B0/hook"
        checklist = procedure(slack, required=False)
        checklist["channels"][0] = {"name": "status-page", "kind": "slack", "url": slack}
        pager = {"name": "oncall", "kind": "pagerduty", "routing_key": "rk-test", "backoff": 1}
        # The declaration's trigger and the acknowledge are taken; the close's first
        # attempt answers 500, its retry is taken.
        answers = (ACCEPTED, ACCEPTED, OOPS, ACCEPTED)
        checklist["channels"].append(pager | {"url": hooks.on("/pd", *answers)})
        journal, code, said = rollback_interrupted(sshd_server, tmp_path, checklist)
    assert code == 0, said
    events = read_journal(journal).events
    sent = {e.seq: e.data for e in events if e.kind == Kind.NOTIFICATION_SENT}
    results = {e.data.sent: e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT}
    [update] = [r for s, r in results.items() if sent[s].channel == "status-page"]
    assert update.detail.startswith("no answer yet when the step was aborted"), update
    closing = [r for s, r in results.items() if sent[s].action == "resolve"]
    assert [(r.ok, r.attempts, r.detail) for r in closing] == [
        (True, 2, "HTTP 202 (after 2 attempts)")
    ]
    assert [r.body["event_action"] for r in hooks.at("/pd")] == [
        "trigger", "acknowledge", "resolve", "resolve",
    ]  # fmt: skip
