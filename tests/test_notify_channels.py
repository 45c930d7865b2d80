"""What each kind of channel is sent, against a loopback HTTP server: Slack's text and
blocks, PagerDuty's trigger, acknowledge and resolve (a drill never pages), a generic
webhook's template and headers, the commander named, and each within its service's
limits at fleet scale."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.redact import MASK, settings_redactor
from console.journal.store import read_journal
from console.journal.terminal_line import console_line
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.state import StepStatus
from console.model.triggers import TriggerKind
from tests.events_factory import COMMANDER, START
from tests.hooks import ACCEPTED, OK
from tests.notify_rig import (
    CLOSED,
    PD_KEY,
    SLACK_SECRET,
    TOKEN,
    conductor_for,
    declare,
    finish,
    records,
    settings_with,
)

PD_SEVERITIES = {"critical", "error", "warning", "info"}


async def test_slack_gets_text_and_blocks_and_its_url_stays_out_of_every_record(
    hooks, tmp_path, monkeypatch
):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", hooks.on(SLACK_SECRET, OK))
    channel = {"name": "incidents", "kind": "slack", "url_env": "SLACK_WEBHOOK_URL"}
    settings = settings_with([channel], message="[{{severity}}] {{title}}: {{hosts}}")
    conductor = conductor_for(settings, tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    request, closed = hooks.at(SLACK_SECRET)
    assert closed.body["text"] == CLOSED
    body = request.body
    assert request.headers["Content-Type"] == "application/json"
    # Slack markup from the title is escaped, so `<!channel>` pings nobody.
    assert (
        body["text"]
        == "[info] checkout &lt;!channel&gt; &amp; errors: web-1 pending, web-2 pending, web-3 pending"
    )
    header, facts, message, context = body["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    assert header["text"]["text"] == "Rollback inc-notify: checkout <!channel> & errors"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in facts["fields"]}
    assert fields == {
        "*Incident*": "inc-notify",
        "*Phase*": "execution",
        "*Severity*": "info",
        "*Systems*": "web",
        "*Commander*": conductor.state.commander,
    }
    assert message["text"] == {"type": "mrkdwn", "text": body["text"]}
    assert context["elements"][0]["text"].startswith(
        "User impact assessment: customers cannot pay; web"
    )
    text = records(conductor)
    assert "XXXXsecretXXXX" not in text and hooks.url not in text
    assert "Slack incoming webhook ($SLACK_WEBHOOK_URL)" in text
    step = conductor.state.steps["communicate"]
    assert step.status is StepStatus.DONE and "incidents: HTTP 200" in step.summary


async def test_pagerduty_follows_the_incident_trigger_acknowledge_resolve(
    hooks, tmp_path, monkeypatch
):
    monkeypatch.setenv("PD_ROUTING_KEY", PD_KEY)
    url = hooks.on("/v2/enqueue", ACCEPTED)
    pd = {"name": "oncall", "kind": "pagerduty", "routing_key_env": "PD_ROUTING_KEY", "url": url}
    settings = settings_with([pd])
    conductor = conductor_for(settings, tmp_path, declared=False)
    # Nothing pages before a declaration (exec's incidents never have one): no notifier
    # is made for it (issue 18); the declaration makes it, and pages.
    assert conductor.notifying.made is None
    declare(conductor)
    await conductor.notifier.pager.drain()
    assert len(hooks.at("/v2/enqueue")) == 1  # the declaration paged
    conductor.confirm("initiate")  # the rollback starts: acknowledged
    await finish(conductor, "resolved")
    events = [r.body for r in hooks.at("/v2/enqueue")]
    assert [e["event_action"] for e in events] == ["trigger", "acknowledge", "resolve"]
    for event in events:
        assert event["routing_key"] == PD_KEY and event["dedup_key"] == "inc-notify"
    trigger = events[0]["payload"]
    assert trigger["severity"] in PD_SEVERITIES and trigger["severity"] == "error"
    assert trigger["source"] == "web"  # the systems selected by the time it went out
    assert trigger["summary"].startswith("Rollback inc-notify: checkout <!channel> & errors")
    assert "customers cannot pay" in trigger["summary"] and len(trigger["summary"]) <= 1024
    assert trigger["custom_details"]["incident"] == "inc-notify"
    assert set(events[0]) >= {"routing_key", "event_action", "dedup_key", "payload"}
    assert "payload" not in events[1] and "payload" not in events[2]
    text = records(conductor)
    assert PD_KEY not in text and f'"routing_key": "{MASK}"' not in text  # never even written
    sent = [n for n in conductor.state.notifications if n.get("lifecycle")]
    assert [(n["lifecycle"], n["action"], n["result"]["ok"]) for n in sent] == [
        ("trigger", "trigger", True),
        ("acknowledge", "acknowledge", True),
        ("close", "resolve", True),
    ]
    # The lines a headless run prints: each event, when it went, and which was answered.
    lines = [
        console_line(e)
        for e in read_journal(conductor.recorder.path).events
        if e.kind in (Kind.NOTIFICATION_SENT, Kind.NOTIFICATION_RESULT)
    ]
    said = [line.split("  ", 2)[-1].strip() for line in lines]
    assert [s.split(" to PagerDuty")[0] for s in said] == [
        "sending a PagerDuty trigger on the declaration via oncall",
        "PagerDuty trigger via oncall: delivered — HTTP 202",
        "sending a PagerDuty acknowledge as the rollback started via oncall",
        "PagerDuty acknowledge via oncall: delivered — HTTP 202",
        "sending a PagerDuty resolve on the close via oncall",
        "PagerDuty resolve via oncall: delivered — HTTP 202",
    ], lines


async def test_an_incident_never_declared_closes_without_a_notifier_or_a_page(
    hooks, tmp_path, monkeypatch
):
    """exec's incidents: opened and closed, no trigger declared; a pager acknowledges and
    resolves only what it triggered, so nothing is made for it (issue 18) nor sent."""
    monkeypatch.setenv("PD_ROUTING_KEY", PD_KEY)
    url = hooks.on("/v2/enqueue", ACCEPTED)
    pd = {"name": "oncall", "kind": "pagerduty", "routing_key_env": "PD_ROUTING_KEY", "url": url}
    conductor = conductor_for(settings_with([pd]), tmp_path, declared=False)
    await finish(conductor, "completed")
    assert conductor.notifying.made is None
    assert hooks.at("/v2/enqueue") == []


AUTO_REASON = "Critical error threshold exceeded: web/error-rate = 0.31, 3 bad samples"


@pytest.mark.parametrize(
    ("kind", "reason", "summary"),
    [
        (
            TriggerKind.USER_IMPACT,
            "checkout errors after 2.0",
            "User impact assessment: checkout errors after 2.0",
        ),
        (TriggerKind.ERROR_THRESHOLD, AUTO_REASON, AUTO_REASON),
    ],
    ids=["manual", "automatic"],
)
async def test_a_page_says_a_title_made_from_the_trigger_once(
    hooks, tmp_path, monkeypatch, kind, reason, summary
):
    """Seen on a local receiver: a console incident (its title made from the trigger and
    reason) paged 'Rollback 20261202-182341-d3f4: User impact assessment: checkout errors
    after 2.0 — User impact assessment: checkout errors after 2.0'; and after `run --trigger
    auto` on a real sshd fleet, 'Rollback ID: Critical error threshold exceeded: app/health
    = 5, 1 bad sample — Critical error threshold exceeded: Critical error threshold
    exceeded: app/health = 5, 1 bad sample' (a firing's reason starts with its label)."""
    monkeypatch.setenv("PD_ROUTING_KEY", PD_KEY)
    url = hooks.on("/v2/enqueue", ACCEPTED)
    pd = {"name": "oncall", "kind": "pagerduty", "routing_key_env": "PD_ROUTING_KEY", "url": url}
    settings = settings_with([pd])
    writer = JournalWriter(tmp_path / "incident" / JOURNAL_NAME)
    recorder = Recorder(writer, FixedClock(START), COMMANDER, settings_redactor(settings))
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    conductor.open_incident(kind.incident_title(reason), "inc-page")
    evidence = [{"probe": "web/error-rate", "value": 0.31}] if kind.automatic else None
    conductor.declare_trigger(kind, reason, evidence)
    await conductor.notifier.pager.drain()
    said = hooks.at("/v2/enqueue")[0].body["payload"]["summary"]
    assert said == f"Rollback inc-page: {summary}"


async def test_a_close_that_leaves_the_problem_after_the_acknowledge_pages_anew(
    hooks, tmp_path, monkeypatch
):
    """Once acknowledged (as the rollback started), a PagerDuty alert notifies nobody of
    later triggers (Events API v2): the failed close's trigger went to that alert, and
    nobody heard that the problem remains. It goes on an alert of its own, which pages."""
    monkeypatch.setenv("PD_ROUTING_KEY", PD_KEY)
    url = hooks.on("/v2/enqueue", ACCEPTED)
    pd = {"name": "oncall", "kind": "pagerduty", "routing_key_env": "PD_ROUTING_KEY", "url": url}
    conductor = conductor_for(settings_with([pd]), tmp_path)
    conductor.confirm("initiate")  # the rollback starts: acknowledged
    await finish(conductor, "failed")
    events = [r.body for r in hooks.at("/v2/enqueue")]
    assert [(e["event_action"], e["dedup_key"]) for e in events] == [
        ("trigger", "inc-notify"),
        ("acknowledge", "inc-notify"),
        ("trigger", "inc-notify:closed"),
    ]
    closing = events[2]["payload"]
    assert "closed as failed: a test; the problem may remain" in closing["summary"]
    assert closing["custom_details"]["acknowledged_alert"] == "inc-notify"


async def test_a_failed_rollback_keeps_the_page_open_and_a_drill_never_pages(
    hooks, tmp_path, monkeypatch
):
    monkeypatch.setenv("PD_ROUTING_KEY", PD_KEY)
    url = hooks.on("/v2/enqueue", ACCEPTED)
    pd = {"name": "oncall", "kind": "pagerduty", "routing_key_env": "PD_ROUTING_KEY", "url": url}
    conductor = conductor_for(settings_with([pd]), tmp_path / "failed")
    await finish(conductor, "failed")
    events = [r.body for r in hooks.at("/v2/enqueue")]
    assert [e["event_action"] for e in events] == ["trigger", "trigger"]
    assert "closed as failed: a test; the problem may remain" in events[1]["payload"]["summary"]

    drill = conductor_for(settings_with([pd]), tmp_path / "drill", drill=True)
    assert await drill.run_step("communicate")
    await finish(drill)
    assert len(hooks.at("/v2/enqueue")) == 2  # nothing more
    assert "not sent during a drill" in drill.state.steps["communicate"].summary


async def test_a_generic_webhook_fills_its_body_template_and_sends_its_headers(
    hooks, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOOK_URL", hooks.on("/generic", OK))
    monkeypatch.setenv("HOOK_TOKEN", TOKEN)
    channel = {
        "name": "status-page",
        "kind": "webhook",
        "url_env": "HOOK_URL",
        "headers_env": {"Authorization": "HOOK_TOKEN"},
        "headers": {"X-Team": "payments"},
        "body": {"title": "{{title}}", "state": {"severity": "{{severity}}", "n": 1}},
    }
    other = {"name": "everything", "kind": "webhook", "url": hooks.on("/all", OK)}
    conductor = conductor_for(settings_with([channel, other]), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    request, closed = hooks.at("/generic")
    assert closed.body["title"] == request.body["title"]  # the close's, in the same body
    assert request.body == {
        "title": "checkout <!channel> & errors",
        "state": {"severity": "info", "n": 1},
    }
    assert request.headers["Authorization"] == TOKEN and request.headers["X-Team"] == "payments"
    default, closed = hooks.at("/all")
    assert closed.body["message"] == CLOSED
    assert default.body["incident"] == "inc-notify" and default.body["systems"] == ["web"]
    assert default.body["hosts"]["web-1"]["status"] == "pending"
    text = records(conductor)
    assert "s3cr3t-t0ken" not in text and "payments" not in text
    assert hooks.url not in text  # a URL written in the configuration is a secret too


async def test_an_update_names_the_commander_and_from_whom_command_was_taken(
    hooks, tmp_path, monkeypatch
):
    """A status update sent after a hand-over says who commands the incident now, from
    whom and since when: `{{commander}}` in the message, `commander` in a webhook's facts,
    a Commander field on Slack. Walked with two real accounts on a README team
    configuration: rbh129b took command of rbh129a's incident (its console killed) and the
    update on the incidents channel named nobody."""
    from console.journal.times import utc

    monkeypatch.setenv("SLACK_WEBHOOK_URL", hooks.on(SLACK_SECRET, OK))
    slack = {"name": "incidents", "kind": "slack", "url_env": "SLACK_WEBHOOK_URL"}
    other = {"name": "everything", "kind": "webhook", "url": hooks.on("/all", OK)}
    message = "{{incident}}: commander {{commander}}"
    conductor = conductor_for(settings_with([slack, other], message=message), tmp_path)
    first = conductor.state.commander
    handed = conductor.recorder.record(  # with its reason (the update said none: helper-133)
        Kind.COMMANDER_HANDED_OVER, to="rbbob", previous=first, note="...", reason="shift change"
    )
    assert await conductor.run_step("communicate")
    await finish(conductor)
    # recorded by this console, the one that handed over: said so, not "took command"
    now = f"rbbob (handed over by {first} at {utc(handed.ts)}: shift change)"
    default, _ = hooks.at("/all")
    assert default.body["message"] == f"inc-notify: commander {now}"
    assert default.body["commander"] == now
    request, _ = hooks.at(SLACK_SECRET)
    fields = {
        f["text"].split("\n")[0]: f["text"].split("\n")[1]
        for f in request.body["blocks"][1]["fields"]
    }
    assert fields["*Commander*"] == now


def test_hosts_of_a_large_fleet_are_grouped_problems_first_and_survive_slack_s_cut():
    """`{{hosts}}` at 1,000 hosts: every host by name was ~20 KB, and Slack's 3,000
    characters cut it before web-0990's failure (seen on a 1,000-host loopback fleet)."""
    from console.engine.payloads import Update, plain, slack_message

    failed = {"web-0017", "web-0333", "web-0640", "web-0990"}
    hosts = {
        f"web-{i:04d}": {"status": "failed" if f"web-{i:04d}" in failed else "succeeded"}
        for i in range(1, 1001)
    }
    hosts["web-0500"]["status"] = "unknown"
    update = Update("inc", "t", "execution", "communicate", "critical", "s", "", hosts=hosts)
    text = plain("[{{severity}}] {{hosts}}", update.values())
    assert text == (
        "[critical] 4 failed: web-0017, web-0333, web-0640, web-0990; 1 unknown: web-0500; "
        "995 succeeded: web-0001, web-0002, web-0003, web-0004, web-0005, web-0006,"
        " web-0007, web-0008, web-0009, web-0010 +985 more"
    )
    body = slack_message(Update("inc", "t", "execution", "communicate", "critical", "s", text))
    assert all(host in body["text"] for host in failed)
    # A few hosts are still named one by one, in the inventory's order.
    few = {f"web-{i}": {"status": "succeeded"} for i in range(1, 4)}
    few["web-2"]["status"] = "failed"
    assert Update("i", "t", "p", "s", "info", "s", "", hosts=few).values()["hosts"] == (
        "web-1 succeeded, web-2 failed, web-3 succeeded"
    )


def _slack_refuses(body: dict) -> list[str]:
    """What Slack's Block Kit limits refuse in an incoming-webhook body (`invalid_blocks`):
    a header over 150 characters, a section's text over 3,000, a field or a context
    element over 2,000 (this console's own, tighter cut) – counted as sent, escaped."""
    limits = {"header": 150, "section": 3000, "field": 2000, "context": 2000}
    found = []
    for block in body["blocks"]:
        texts = [("field", f["text"]) for f in block.get("fields", [])]
        texts += [("context", e["text"]) for e in block.get("elements", [])]
        if "text" in block:
            texts.append((block["type"], block["text"]["text"]))
        found += [f"{kind}: {len(t)}" for kind, t in texts if len(t) > limits[kind]]
    return found


async def test_a_long_slack_update_full_of_markup_stays_within_slack_s_limits(
    hooks, tmp_path, monkeypatch
):
    """Slack counts a text as sent: escaped, `&lt;` is 4 characters. The message was cut
    to 3,000 characters and then escaped, so an update typed with `<`, `>` or `&` (output
    quoted from a host, `p99 > 2 s & rising`) grew to twice Slack's limit and Slack
    refused the whole update. Cut after escaping, and never inside an entity."""
    monkeypatch.setenv("SLACK_WEBHOOK_URL", hooks.on(SLACK_SECRET, OK))
    channel = {"name": "incidents", "kind": "slack", "url_env": "SLACK_WEBHOOK_URL"}
    settings = settings_with([channel])
    conductor = conductor_for(settings, tmp_path)
    words = "p99 > 2 s & <html> from web-1; " * 150  # 4,800 characters, 9,600 escaped
    assert await conductor.run_step("communicate", message=words)
    await finish(conductor)
    request, _closed = hooks.at(SLACK_SECRET)
    assert _slack_refuses(request.body) == []
    message = request.body["blocks"][2]["text"]["text"]
    assert message.startswith("p99 &gt; 2 s &amp; &lt;html&gt; from web-1;")
    assert message.endswith("…") and not re.search(r"&[a-z]*…$", message)
    assert len(request.body["text"]) <= 3000


async def test_a_status_update_of_a_large_failed_fleet_stays_within_pagerduty_s_size(
    hooks, tmp_path, monkeypatch
):
    """PagerDuty refuses an event over 512 KB (a 400, not retried). An update's
    custom_details held every host and its failure reason: 1,000 failed hosts with
    600-character reasons made a 721 KB event, so the page about a fleet-wide failure
    was the one refused. Past the limit the hosts are said as `{{hosts}}` groups them."""
    from console.engine.payloads import Update

    monkeypatch.setenv("PD_ROUTING_KEY", PD_KEY)
    url = hooks.on("/v2/enqueue", ACCEPTED)
    pd = {"name": "oncall", "kind": "pagerduty", "routing_key_env": "PD_ROUTING_KEY", "url": url}
    settings = settings_with([pd])
    conductor = conductor_for(settings, tmp_path)
    reason = "exit status 1: Job for app.service failed because the control process exited"
    hosts = {
        f"web-{i:04d}": {"system": "web", "status": "failed", "detail": (reason * 8)[:600]}
        for i in range(1, 1001)
    }
    update = Update("inc-notify", "t", "execution", "communicate", "critical", "s", "m")
    update = dataclasses.replace(update, systems=["web"], hosts=hosts)
    step = settings.procedure.step("communicate")
    notifier = conductor.notifier
    ((ok, said),) = await notifier.send_all(step, notifier.channels_of(step), update)
    await finish(conductor, None)
    assert ok, said
    # the update's event (the declaration's trigger may come after it: a chain of its own)
    page = next(r.body for r in hooks.at("/v2/enqueue") if r.body["payload"]["summary"] == "m")
    assert len(json.dumps(page, sort_keys=True).encode()) <= 512 * 1024
    assert page["payload"]["custom_details"]["hosts"].startswith("1000 failed: web-0001, web-0002,")
