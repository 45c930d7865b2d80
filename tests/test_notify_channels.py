"""Notifications against a loopback HTTP server: Slack's and PagerDuty's payload shapes, a
generic webhook with its template and headers, retries with backoff, secrets redacted from
every record, and a `required` step that fails while an optional one only warns."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.export import EXPORT_FORMATS
from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.redact import MASK, Redactor, settings_redactor
from console.journal.store import read_journal
from console.journal.terminal_line import console_line
from console.journal.writer import JournalWriter
from console.model.channels import Channel
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.notify_kinds import ChannelKind
from console.model.outcome import Outcome
from console.model.settings import Settings
from console.model.state import StepStatus
from console.model.triggers import TriggerKind
from console.paths import demo_config
from tests.events_factory import COMMANDER, START
from tests.hooks import ACCEPTED, OK, HookServer, rate_limiting, serving
from tests.keys_recorded import keys_recorded
from tests.test_drill_clock_step_sshd import SteppedClock

SLACK_SECRET = "/services/T0001/B0002/XXXXsecretXXXX"
PD_KEY = "R0UT1NGK3Y0123456789abcdef012345"
TOKEN = "Bearer s3cr3t-t0ken"
PD_ACTIONS = {"trigger", "acknowledge", "resolve"}
PD_SEVERITIES = {"critical", "error", "warning", "info"}


@pytest.fixture
def hooks():
    with HookServer() as server:
        yield server


def settings_with(channels: list[dict], **communicate) -> Settings:
    """The demo configuration, its communicate step sending on `channels` only."""
    data = load_settings(demo_config()).dumped(mode="json")
    data["procedure"]["channels"] = channels
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == "communicate":
                step.update({"command": None, "channels": [c["name"] for c in channels]})
                step.update(communicate)
    return Settings.validated(data)


def conductor_for(settings: Settings, tmp_path: Path, drill: bool = False) -> Conductor:
    from console.model.clock import FixedClock

    writer = JournalWriter(tmp_path / "incident" / JOURNAL_NAME)
    recorder = Recorder(writer, FixedClock(START), COMMANDER, settings_redactor(settings))
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    conductor.open_incident("checkout <!channel> & errors", "inc-notify", drill=drill)
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "customers cannot pay")
    conductor.select(["web"])
    return conductor


async def finish(conductor: Conductor, outcome: str | None = "resolved") -> None:
    """Close as something that resolves the page (nothing was rolled back here, so not
    "rolled back and verified": the close refuses what the record does not show), or as
    `failed`, which leaves it open."""
    if outcome == "resolved":
        conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    elif outcome:
        conductor.close(Outcome(outcome), "a test")
    await conductor.shutdown()
    conductor.recorder.close()


# What every channel sent an update hears at `finish`'s close.
CLOSED = "inc-notify closed: not needed (false alarm): a test: nothing to roll back"


def records(conductor: Conductor) -> str:
    """Everything written about the incident: journal, exports, console lines."""
    path = conductor.recorder.path
    events = read_journal(path).events
    exports = [f.render(events, False) for f in EXPORT_FORMATS.values()]
    return "\n".join([path.read_text(), *exports, *map(console_line, events)])


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
    conductor = conductor_for(settings, tmp_path)
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


async def test_transient_failures_are_retried_with_backoff_and_bad_requests_are_not(
    hooks, tmp_path
):
    flaky = hooks.on("/flaky", (500, "rollup_error", {}), (429, "", {"Retry-After": "0"}), OK)
    bad = hooks.on("/bad", (400, "invalid_payload", {}))
    channels = [
        {"name": "flaky", "kind": "slack", "url": flaky, "backoff": 0.01},
        {"name": "bad", "kind": "slack", "url": bad, "backoff": 0.01},
    ]
    conductor = conductor_for(settings_with(channels), tmp_path)
    assert await conductor.run_step("communicate")  # not required: warnings only
    await finish(conductor)
    # the step's update: 3 tries on flaky, 1 on bad; then the close's, once on each
    assert len(hooks.at("/flaky")) == 4 and len(hooks.at("/bad")) == 2
    results = {
        e.data.channel: e.data.dump()
        for e in conductor.recorder.events
        if e.kind == Kind.NOTIFICATION_RESULT and not e.data.repeat
    }
    assert (results["flaky"]["ok"], results["flaky"]["attempts"]) == (True, 3)
    assert results["flaky"]["detail"] == "HTTP 200 (after 3 attempts)"
    assert (results["bad"]["ok"], results["bad"]["attempts"]) == (False, 1)
    assert results["bad"]["detail"] == "HTTP 400 Bad Request: invalid_payload"
    step = conductor.state.steps["communicate"]
    assert step.status is StepStatus.DONE
    assert "warning: bad: HTTP 400 Bad Request: invalid_payload" in step.summary
    lines = [console_line(e) for e in conductor.recorder.events]
    assert any("notification via bad: NOT DELIVERED (warning)" in line for line in lines)
    document = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
    assert "NOT DELIVERED (warning)" in document


async def test_a_command_the_jump_host_cannot_run_is_not_retried(tmp_path):
    """Exit 127 (not found) will not pass on another try: one attempt, said plainly, and
    the step done with a warning the checklist shows."""
    channel = {
        "name": "mail",
        "kind": "command",
        "command": "no-such-mailer-here {{incident}}",
        "backoff": 0.01,
    }
    conductor = conductor_for(settings_with([channel]), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    result = [e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT][-1]
    assert (result.data.ok, result.data.attempts) == (False, 1)
    assert result.data.detail == (
        "command failed: exit status 127 (not found on the jump host):"
        " /bin/sh: 1: no-such-mailer-here: not found"
    )
    step = conductor.state.steps["communicate"]
    assert (step.status, step.warnings) == (StepStatus.DONE, 1)


async def test_a_failed_command_says_what_it_printed_last(tmp_path, monkeypatch):
    """A mail command on a jump host without `mail` (the example's once; seen at 80x24:
    'command failed: exit status 1 (after 4 attempts)' and nothing of why): its own last
    line is the detail the step, the timeline, the toast and the document show, control
    characters inert, cut at 200 characters."""
    monkeypatch.setenv("PATH", str(tmp_path / "no-mail-here"))
    example = (
        'command -v mail >/dev/null || { echo "no mail command on this jump host:'
        ' install mailx, or use [[channels]]" >&2; exit 1; }\n'
        'echo {{message}} | mail -s "rollback "{{incident}} incidents@example.com\n'
    )
    loud = f"printf 'first\\n\\033[2Jwhy: {'x' * 300}\\n\\n' >&2; exit 2"
    channels = [
        {"name": "mail", "kind": "command", "command": example, "retries": 0},
        {"name": "loud", "kind": "command", "command": loud, "retries": 0},
    ]
    conductor = conductor_for(settings_with(channels), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    results = {
        e.data.channel: e.data
        for e in conductor.recorder.events
        if e.kind == Kind.NOTIFICATION_RESULT
    }
    assert results["mail"].detail == (
        "command failed: exit status 1: no mail command on this jump host: install mailx,"
        " or use [[channels]]"
    )
    said = results["loud"].detail.removeprefix("command failed: exit status 2: ")
    assert said.startswith("\\x1b[2Jwhy: xxx") and said.endswith("x…") and len(said) == 200
    step = conductor.state.steps["communicate"]
    assert "install mailx" in step.summary


async def test_a_required_step_fails_when_a_channel_gives_up(hooks, tmp_path, monkeypatch):
    down = hooks.on("/down", (503, "", {}))
    channel = {"name": "status", "kind": "webhook", "url": down, "retries": 2, "backoff": 0.01}
    conductor = conductor_for(settings_with([channel], required=True), tmp_path)
    assert not await conductor.run_step("communicate")
    await finish(conductor)
    tried = [r for r in hooks.at("/down") if r.body["message"] != CLOSED]
    assert len(tried) == 3  # the first try and two retries, no more
    step = conductor.state.steps["communicate"]
    assert step.status is StepStatus.FAILED
    assert step.summary == "FAILED: status: HTTP 503 Service Unavailable (after 3 attempts)"
    result = next(e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT)
    assert "notification via status: FAILED" in console_line(result)


async def test_a_required_step_retried_says_in_the_document_how_it_failed_first(hooks, tmp_path):
    """The rollback document's step line says how the runs before the retry ended, once:
    it read 'attempt 1: failed: FAILED: status: HTTP 503 ...' (walked with a receiver
    that answered 500 on one channel, then the step retried once it answered)."""
    down = hooks.on("/flaky", (503, "", {}), (503, "", {}), (503, "", {}), OK, OK)
    channel = {"name": "status", "kind": "webhook", "url": down, "retries": 2, "backoff": 0.01}
    conductor = conductor_for(settings_with([channel], required=True), tmp_path)
    assert not await conductor.run_step("communicate")
    assert await conductor.run_step("communicate")  # the retry, once it answers
    await finish(conductor)
    text = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
    [line] = [ln for ln in text.splitlines() if "**Communicate status** — " in ln]
    assert line.endswith(
        "— done: status: HTTP 200; 2 attempts; attempt 1: FAILED: status: HTTP 503 Service"
        " Unavailable (after 3 attempts)"
    ), line


async def test_a_retry_sends_only_on_the_channels_that_did_not_take_it(hooks, tmp_path):
    """Walked with a receiver that answered 500 on the PagerDuty channel alone: each retry
    of the required step posted the same update on Slack again. A retry sends it on the
    channels that did not deliver it; the others are said delivered on their attempt."""
    took = hooks.on("/took", OK, OK)
    flaky = hooks.on("/flaky2", (503, "", {}), (503, "", {}), (503, "", {}), OK, OK)
    channels = [
        {"name": "took", "kind": "webhook", "url": took},
        {"name": "flaky", "kind": "webhook", "url": flaky, "retries": 2, "backoff": 0.01},
    ]
    conductor = conductor_for(settings_with(channels, required=True), tmp_path)
    assert not await conductor.run_step("communicate")
    assert await conductor.run_step("communicate")  # the retry
    updates = [r for r in hooks.at("/took") if r.body["message"] != CLOSED]
    assert len(updates) == 1 and len(hooks.at("/flaky2")) == 4  # 3 failed, then 1
    step = conductor.state.steps["communicate"]
    assert step.summary == "took: delivered on attempt 1, not sent again; flaky: HTTP 200"
    starts = [e for e in conductor.recorder.events if e.kind == Kind.STEP_STARTED]
    assert [e.data.attempt for e in starts if e.where.step == "communicate"] == [1, 2]
    await finish(conductor)


async def test_an_unset_environment_variable_is_a_warning_that_names_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_HOOK", raising=False)
    channel = {"name": "slack", "kind": "slack", "url_env": "NOT_SET_HOOK"}
    conductor = conductor_for(settings_with([channel]), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    result = [e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT][-1]
    assert (result.data.ok, result.data.attempts) == (False, 0)
    assert result.data.detail == "not sent: environment variable NOT_SET_HOOK (url_env) is not set"


async def test_status_updates_repeat_while_the_incident_is_open(hooks, tmp_path):
    url = hooks.on("/updates", OK)
    channel = {"name": "updates", "kind": "webhook", "url": url}
    conductor = conductor_for(settings_with([channel], every=0.002), tmp_path)  # 0.12 s
    assert await conductor.run_step("communicate")
    await asyncio.to_thread(hooks.wait_for, "/updates", 3)
    conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    await conductor.shutdown()
    conductor.recorder.close()
    count = len(hooks.at("/updates"))
    assert count >= 3
    repeats = [
        e.data.repeat
        for e in conductor.recorder.events
        if e.kind == Kind.NOTIFICATION_SENT and e.data.repeat
    ]
    assert repeats[:2] == [1, 2]
    closed = max(e.seq for e in conductor.recorder.events if e.kind == Kind.INCIDENT_CLOSED)
    after = [
        e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_SENT and e.seq > closed
    ]
    # The close is the last update: how it ended, once (seen on a README fleet: Slack heard
    # an update every N minutes, then nothing, and could not tell a close from a crash).
    assert [e.data.message for e in after] == [
        "inc-notify closed: not needed (false alarm): a test: nothing to roll back"
    ]
    last = hooks.at("/updates")[-1].body
    assert (last["step"], last["message"]) == ("communicate", after[0].data.message)
    results = [e.data for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT]
    assert results[-1].ok and results[-1].repeat == after[0].data.repeat


def test_the_example_channels_are_valid_once_uncommented(tmp_path):
    import re
    import shutil

    from console.paths import example_config

    target = tmp_path / "config"
    shutil.copytree(example_config(), target)
    procedure = target / "procedure.toml"
    code = re.compile(r"^# ((\[\[channels\]\])|([a-z_]+ = .*))$")
    lines = [
        m.group(1) if (m := code.match(line)) else line
        for line in procedure.read_text().splitlines()
    ]
    procedure.write_text("\n".join(lines) + "\n")
    settings = load_settings(target)
    assert [c.kind.value for c in settings.procedure.channels] == [
        "slack",
        "pagerduty",
        "webhook",
        "command",
    ]
    step = settings.procedure.step("communicate")
    assert step.channels == ["incidents"] and step.every == 15


def check_config_with_slack_channel(tmp_path, variable: str, value: str | None):
    """check-config on the demo's configuration (its drills left out: their demo faults are
    errors anywhere else) with a Slack channel whose URL is in `variable`, set to `value`
    (None: unset). The result, and the channel's `url_env` line."""
    import os
    import shutil
    import subprocess
    import sys

    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    with (config / "procedure.toml").open("a") as procedure:
        procedure.write(
            f'\n[[channels]]\nname = "incidents"\nkind = "slack"\nurl_env = "{variable}"\n'
        )
    keys_recorded(config)
    env = {k: v for k, v in os.environ.items() if k != variable}
    if value is not None:
        env[variable] = value
    done = subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    text = (config / "procedure.toml").read_text().splitlines()
    line = text.index(f'url_env = "{variable}"') + 1
    return done, f"{config}/procedure.toml:{line}"


def test_check_config_warns_of_a_channel_whose_secret_is_not_set(tmp_path):
    done, where = check_config_with_slack_channel(tmp_path, "NO_HOOK_X", None)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {where}: channels[0].url_env: $NO_HOOK_X is not set"
        " here; sending on channel 'incidents' will warn until it is"
    ) in done.stderr
    assert done.stdout.rstrip().endswith("1 warning")


def test_check_config_warns_of_a_url_variable_that_holds_no_url(tmp_path):
    """$SLACK_WEBHOOK_URL set without its scheme: every send would fail on it, so
    check-config says so, naming the variable and never its value (the URL is the secret)."""
    secret = "hooks.slack.com/services/T0/B0/sekrit"
    done, where = check_config_with_slack_channel(tmp_path, "HOOK_NO_SCHEME", secret)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {where}: channels[0].url_env: $HOOK_NO_SCHEME is set"
        " here to something that is not an http:// or https:// URL; sending on channel"
        " 'incidents' will fail until it is one"
    ) in done.stderr
    assert "sekrit" not in done.stdout + done.stderr


@pytest.mark.parametrize("where", ["127.0.0.1:8o80", "[::1", "hooks.slack.com:99999"])
def test_check_config_warns_of_a_url_variable_no_request_can_go_to(tmp_path, where):
    """$SLACK_WEBHOOK_URL with a typo in its port, or an IPv6 bracket left open: check-config
    looked no further than its http://, and the run found it out at its first update."""
    secret = f"http://{where}/services/T0/B0/sekrit"
    done, at = check_config_with_slack_channel(tmp_path, "HOOK_BAD_PORT", secret)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {at}: channels[0].url_env: $HOOK_BAD_PORT is set"
        " here to something that is not an http:// or https:// URL; sending on channel"
        " 'incidents' will fail until it is one"
    ) in done.stderr
    assert "sekrit" not in done.stdout + done.stderr


async def test_status_updates_repeat_every_period_from_each_ones_start(hooks, tmp_path):
    """Seen with a socket that never answers (3 attempts of 3 s): updates every 15 s went
    out every 27 s, the next one waiting its whole period after the last had answered.
    The period counts from each update's start (as a resume counts it from the last sent):
    what the update took comes off the wait (the clock ticks one second a reading), the
    step's own update's too (seen with a webhook answering 429 twice: every = 1 sent the
    second update 64 s after the first)."""
    url = hooks.on("/updates", OK)
    channel = {"name": "updates", "kind": "webhook", "url": url}
    conductor = conductor_for(settings_with([channel], every=10), tmp_path)  # 600 s
    waits = await repeat_waits(conductor, 3)
    assert all(0 < wait < 600 for wait in waits), waits  # less what each update took


async def repeat_waits(conductor: Conductor, count: int) -> list[float]:
    """The communicate step run, and the waits before its first `count` repeats (none is
    waited for); then closed."""
    waits: list[float] = []

    async def waited(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0.01)

    conductor.notifier.sleep = waited  # type: ignore[method-assign]
    assert await conductor.run_step("communicate")
    for _ in range(2000):
        if len(waits) >= count:
            break
        await asyncio.sleep(0.01)
    conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    await conductor.shutdown()
    conductor.recorder.close()
    return waits[:count]


async def test_an_endpoint_that_hangs_or_hangs_up_is_named_for_what_it_did(tmp_path):
    """Seen on real endpoints: a webhook that never answered read "NOT DELIVERED (warning)
    — not delivered: timed out", one that closed the connection "not delivered: Remote end
    closed connection without response": not delivered twice, and not how long it waited."""
    import socket
    import threading

    from console.engine.webhook import post_json

    with (
        socket.create_server(("127.0.0.1", 0)) as silent,
        socket.create_server(("127.0.0.1", 0)) as rude,
    ):
        silent.listen(8)  # taken into the backlog, never answered

        def hang_up() -> None:
            connection, _ = rude.accept()
            connection.recv(65536)
            connection.close()

        closer = threading.Thread(target=hang_up, daemon=True)
        closer.start()
        hung = await post_json(f"http://127.0.0.1:{silent.getsockname()[1]}/", {"a": 1}, 0.5)
        cut = await post_json(f"http://127.0.0.1:{rude.getsockname()[1]}/", {"a": 1}, 5)
        closer.join(timeout=10)
    assert (hung.ok, hung.detail, hung.retryable) == (False, "no answer within 0.5 s", True)
    assert (cut.ok, cut.detail, cut.retryable) == (
        False,
        "Remote end closed connection without response",
        True,
    )


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("/status/incident?token=t0k3n-s3cr3t&format=json", "t0k3n-s3cr3t"),
        ("/h/k7Qz9", "k7Qz9"),
        ("/hooks/status?token=Zq9", "Zq9"),
    ],
    ids=["path", "query", "short-path", "short-query"],
)
async def test_an_answer_that_echoes_the_secret_part_of_the_url_is_masked(
    hooks, tmp_path, monkeypatch, path, secret
):
    """A receiver that does not know the path answers as Express does, `Cannot POST
    /services/...` (or `/hook?token=...`): the URL's secret part, without its scheme and
    host, went into the journal as the answer's detail. The path echoed is masked whole, a
    short token too (`/h/k7Qz9`, `?token=Zq9`: kept before, under 8 characters)."""
    monkeypatch.setenv("STATUS_HOOK_URL", hooks.on(path, (404, f"Cannot POST {path}", {})))
    channel = {"name": "status", "kind": "webhook", "url_env": "STATUS_HOOK_URL", "retries": 0}
    conductor = conductor_for(settings_with([channel]), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    assert len(hooks.at(path)) == 2  # sent unaltered: the update, then the close's
    text = records(conductor)
    assert "HTTP 404 Not Found: Cannot POST «redacted»" in text
    assert secret not in text


URL = "https://hooks.example.test/h/k7Qz9?format=json&sig=ab1&api_key=s3cr3tkey"


@pytest.mark.parametrize(
    ("url", "said", "recorded"),
    [
        (URL, "Cannot POST /h/k7Qz9", "Cannot POST «redacted»"),
        (URL, f"POST {URL[26:]} 404", "POST «redacted» 404"),
        (URL, "bad signature: sig=ab1", "bad signature: «redacted»"),
        (URL, "unknown key s3cr3tkey", "unknown key «redacted»"),
        # Ordinary words and paths stay: a short secret is masked only where it is one.
        (URL, "GET /h/ 200 format=json; ab1 is a cell", None),
        ("https://x.test/hooks/status?token=Zq9", "GET /hooks/status 200", None),
        ("https://x.test/hooks/status?token=Zq9", "no route /hooks/status?token=Zq9", "no route «redacted»"),
        ("https://bot:pw1@x.test/hook", "login bot:pw1@x.test refused", "login bot«redacted»x.test refused"),
        ("https://x.test/hook", "GET /hook 200", None),
        ("https://x.test/v1?token=Zq9", "GET /v1/users 200", None),
        ("https://x.test/v1/h/k7Qz9", "GET /v1/users 200; no /v1/h/k7Qz9", "GET /v1/users 200; no «redacted»"),
    ],
)  # fmt: skip
def test_what_of_a_secret_url_is_masked_in_records(url, said, recorded):
    """What a security engineer masks of a channel's URL in records (never in what is
    sent): the path as a receiver echoes it unless it is plain words, a secret-named
    query value whatever its length (with its name when short), and token-like parts;
    not an ordinary word or path that merely shares letters with a short token."""
    channel = Channel(name="status", kind=ChannelKind.WEBHOOK, url=url)
    assert Redactor(channel.secrets({})).text(said) == (recorded or said)


async def test_the_documents_summary_says_which_channels_did_not_deliver(
    hooks, tmp_path, monkeypatch
):
    """Seen exporting a real incident whose status update reached no one (Slack answering
    500, PagerDuty 429, the status page never answering): the summary said "rolled back
    and verified" and nothing of it; only the Notifications table, further down, did."""
    channels = [
        {"name": "incidents", "kind": "webhook", "url": hooks.on("/ok", OK)},
        {"name": "status-page", "kind": "webhook", "retries": 1, "backoff": 0.1,
         "url": hooks.on("/down", (500, "internal error", {}))},
    ]  # fmt: skip
    conductor = conductor_for(settings_with(channels), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    events = read_journal(conductor.recorder.path).events
    markdown = EXPORT_FORMATS["markdown"].render(events, False)
    summary = markdown.split("## Summary", 1)[1].split("|", 1)[0]
    # the update and the close's, each delivered to incidents only
    assert "2 of 4 notifications not delivered (status-page): see Notifications." in summary
    document = json.loads(EXPORT_FORMATS["json"].render(events, False))
    assert "2 of 4 notifications not delivered" in document["document"]["summary"]["paragraph"]


async def test_a_redirected_update_is_not_delivered_and_its_token_goes_nowhere_else(tmp_path):
    """Seen against a real HTTP server answering the webhook's POST with `302 Location:
    /new`: urllib followed it as a GET without the message, the target answered 200, and
    the update read "delivered — HTTP 200"; the Authorization header went along. A
    redirect is now the answer: not delivered, not retried, saying where it pointed."""
    from http.server import BaseHTTPRequestHandler

    seen: list[tuple[str, str, str | None]] = []

    class Moved(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            moved = self.path == "/old"
            self.send_response(302 if moved else 200)
            if moved:
                self.send_header("Location", "http://elsewhere.example:8080/new")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    with serving(Moved) as base:
        channel = {"name": "status", "kind": "webhook", "url": f"{base}/old", "retries": 2}
        channel["headers"] = {"Authorization": TOKEN}
        conductor = conductor_for(settings_with([channel]), tmp_path)
        assert await conductor.run_step("communicate")
        await finish(conductor)
    # once each, the update and the close's: a redirect is final, never followed
    assert seen == [("POST", "/old", TOKEN)] * 2
    [result, _closed] = [
        e.data
        for e in read_journal(conductor.recorder.path).events
        if e.kind == Kind.NOTIFICATION_RESULT
    ]
    assert (result.ok, result.status) == (False, 302)
    assert result.detail == (
        "HTTP 302 Found (redirected to http://elsewhere.example:8080/...; not followed:"
        " set the URL it names)"
    )


async def closed_while_limited(
    channel: dict, tmp_path: Path, limited: threading.Event
) -> Conductor:
    """An incident whose status update repeats every 0.12 s on `channel`, closed once the
    channel has rate-limited one (`limited`), its conductor shut down."""
    conductor = conductor_for(settings_with([channel], every=0.002), tmp_path)
    assert await conductor.run_step("communicate")
    assert await asyncio.to_thread(limited.wait, 20)
    conductor.close(Outcome.NOT_NEEDED, "a test: nothing to roll back")
    await conductor.shutdown()
    conductor.recorder.close()
    return conductor


async def test_a_periodic_update_retried_across_the_close_never_reaches_pagerduty_after_its_resolve(
    tmp_path,
):
    """A status update every N minutes to PagerDuty, rate-limited (429, Retry-After) while
    the commander closes the incident: its retry went out after the resolve, and a trigger
    on a resolved alert opens a new PagerDuty incident, paging someone for a rollback
    already closed. The close now stops the update being retried (journalled, not
    delivered); the resolve is the last event PagerDuty gets."""
    got: list[dict] = []

    def periodic(body: dict) -> bool:
        """A status update but the first: the first is taken, every later one limited."""
        updates = [b for b in got if b.get("payload", {}).get("custom_details", {}).get("step")]
        return bool(body.get("payload", {}).get("custom_details", {}).get("step")) and (
            len(updates) > 1
        )

    limited = threading.Event()
    with serving(rate_limiting(got, periodic, limited, ok=202)) as base:
        url = f"{base}/v2/enqueue"
        channel = {"name": "oncall", "kind": "pagerduty", "routing_key": PD_KEY, "url": url}
        channel |= {"retries": 3}
        conductor = await closed_while_limited(channel, tmp_path, limited)
        await asyncio.sleep(2.5)  # past the Retry-After the retry would have waited
    actions = [b["event_action"] for b in got]
    assert "resolve" in actions
    assert actions[-1] == "resolve", actions
    results = [
        e.data
        for e in read_journal(conductor.recorder.path).events
        if e.kind == Kind.NOTIFICATION_RESULT
    ]
    cut = [r for r in results if r.repeat and not r.ok]
    assert cut and "the incident closed (a later attempt could page again)" in cut[-1].detail, cut


async def test_retry_after_as_an_http_date_is_waited_as_said(hooks):
    """Retry-After may be a date (RFC 9110) as well as seconds: a 503 saying a date a
    minute ahead was read as nothing said, and the retry came after the short backoff."""
    from email.utils import format_datetime

    from console.engine.webhook import post_json

    ahead = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=60)
    dated = hooks.on("/dated", (503, "", {"Retry-After": format_datetime(ahead, usegmt=True)}))
    garbled = hooks.on("/garbled", (429, "", {"Retry-After": "soon"}))
    said = await post_json(dated, {"a": 1}, 5)
    unsaid = await post_json(garbled, {"a": 1}, 5)
    assert said.retryable and said.retry_after is not None and 50 < said.retry_after <= 60
    assert unsaid.retryable and unsaid.retry_after is None


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


async def test_a_retry_after_a_late_answer_carries_the_same_idempotency_key(tmp_path):
    """Walked against a loopback status page slower than the channel's `timeout`: it took
    each attempt and answered too late, so each retry posted the same update again (three
    times). Every attempt of one notification now carries the same `Idempotency-Key`
    (IETF httpapi draft), so a receiver that honours it posts the update once; another
    notification (the close's) has its own."""
    from tests.hooks import Received, first_held, serving

    got: list[Received] = []
    retried = threading.Event()  # the first attempt is answered once its retry came
    with serving(first_held(got, lambda: retried.wait(30))) as base:
        channel = {"name": "status", "kind": "webhook", "url": f"{base}/hook", "timeout": 1}
        channel |= {"retries": 3, "backoff": 0.1}
        conductor = conductor_for(settings_with([channel]), tmp_path)
        step = asyncio.ensure_future(conductor.run_step("communicate"))
        for _ in range(1000):  # until the retry of the update held
            if len(got) > 1:
                break
            await asyncio.sleep(0.02)
        retried.set()
        assert await step
        await finish(conductor)
    keys = [r.headers.get("Idempotency-Key") for r in got]
    *update, closed = keys  # every attempt of the update, then the close's update
    assert len(update) > 1 and set(update) == {update[0]} and closed != update[0], keys
    assert all(k and k.startswith('"inc-notify-') and k.endswith('"') for k in keys), keys
    posted: dict[str, str] = {}  # what a receiver honouring the key posts: one per key
    for request in got:
        posted.setdefault(request.headers["Idempotency-Key"], request.body["message"])
    assert len(posted) == 2 and list(posted.values())[1] == CLOSED, posted


async def test_a_channel_an_abort_cut_then_sent_to_again_hears_the_close(tmp_path):
    """A status page that hung on the first update, cut by `a` (not tried again, the
    close's update neither), then sent the update again by the commander, delivered: it
    hears the close too (it was left out for the rest of the incident)."""
    from tests.hooks import Received, first_held, serving

    release = threading.Event()
    got: list[Received] = []
    with serving(first_held(got, lambda: release.wait(30))) as base:
        channel = {"name": "status", "kind": "webhook", "url": f"{base}/s", "retries": 0}
        conductor = conductor_for(settings_with([channel | {"timeout": 60}]), tmp_path)
        first = asyncio.ensure_future(conductor.run_step("communicate"))
        for _ in range(1000):  # until the status page holds the first update
            if got:
                break
            await asyncio.sleep(0.02)
        await conductor.abort("the bridge calls it off")
        assert not await first
        release.set()
        assert await conductor.run_step("communicate")  # sent again, delivered
        await finish(conductor)
    said = [r.body["message"] for r in got]
    assert len(said) == 3 and said[-1] == CLOSED, said


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
    now = f"rbbob (took command from {first} at {utc(handed.ts)}: shift change)"
    default, _ = hooks.at("/all")
    assert default.body["message"] == f"inc-notify: commander {now}"
    assert default.body["commander"] == now
    request, _ = hooks.at(SLACK_SECRET)
    fields = {
        f["text"].split("\n")[0]: f["text"].split("\n")[1]
        for f in request.body["blocks"][1]["fields"]
    }
    assert fields["*Commander*"] == now


async def test_a_wall_clock_stepped_back_does_not_delay_the_next_status_update(hooks, tmp_path):
    """NTP stepped the wall clock back an hour while an update went out: what it took read
    -1 h, and the next update of a 10-minute period waited 1 h 10 min. What an update
    took is timed on the monotonic clock."""
    url = hooks.on("/updates", OK)
    channel = {"name": "updates", "kind": "webhook", "url": url}
    conductor = conductor_for(settings_with([channel], every=10), tmp_path)  # 600 s
    clock = conductor.recorder.clock = SteppedClock()
    notifier = conductor.notifier
    send = notifier.send_all

    async def stepping(*args, **kwargs):
        sent = await send(*args, **kwargs)
        clock.step -= timedelta(hours=1)  # while each update went out
        return sent

    notifier.send_all = stepping  # type: ignore[method-assign]
    waits = await repeat_waits(conductor, 2)
    assert all(0 < wait <= 600 for wait in waits), waits
