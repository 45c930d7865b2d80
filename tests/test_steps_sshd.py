"""Procedure steps over real OpenSSH: parameter injection never executes, halt and
assessment records, and notifications (command and webhook) with their journal records."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from console.engine.conductor import Conductor, ProcedureError
from console.engine.ssh import SshPool
from console.journal.export.markdown import render_markdown
from console.journal.outcomes import host_summary
from console.journal.terminal_line import console_line
from console.model.events import Kind
from console.model.settings import Settings
from console.model.triggers import TriggerKind
from tests.events_factory import recorder_in
from tests.fleet_settings import sshd_settings

pytestmark = pytest.mark.sshd

PAYLOADS = [
    "; touch {canary}",
    "$(touch {canary})",
    "`touch {canary}`",
    "x\ntouch {canary}",
    "'; touch {canary}; '",
    '"; touch {canary}; "',
    "x && touch {canary} #",
    "| touch {canary}",
]
LITERAL = {
    "name": "echo-literal",
    "kind": "custom",
    "params": [{"name": "msg", "required": True}],
    "commands": {"action": "printf '%s' {{msg}} > literal.out"},
}


def settings_for(sshd_server, hosts: dict[str, str], edit=None) -> tuple[Settings, dict]:
    settings, sandboxes = sshd_settings(sshd_server, hosts)
    data = settings.dumped()
    data["strategies"].append(LITERAL)
    for system in data["inventory"]["systems"]:
        system["strategies"].append("echo-literal")
    if edit:
        edit(data)
    return Settings.validated(data), sandboxes


def conductor_for(settings: Settings, tmp_path: Path, title: str = "steps") -> Conductor:
    conductor = Conductor(
        settings, recorder_in(tmp_path / "incident"), SshPool(settings.inventory.ssh)
    )
    conductor.open_incident(title, "inc-steps")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "test")
    return conductor


async def close(conductor: Conductor) -> None:
    await conductor.shutdown()
    conductor.recorder.close()


def intents(conductor: Conductor) -> list:
    return [e for e in conductor.recorder.events if e.kind == Kind.COMMAND_INTENT]


async def test_injection_in_every_parameter_never_executes(sshd_server, tmp_path):
    settings, sandboxes = settings_for(sshd_server, {"web-1": "web", "db-1": "db"})
    canary = sandboxes["web-1"] / "CANARY"
    conductor = conductor_for(settings, tmp_path)
    rejected = accepted = 0
    try:
        for system in ("web", "db"):
            conductor.select([system])
            host = next(h for h, s in conductor.state.hosts.items() if s == system)
            for name in settings.inventory.system(system).strategies:
                for param in settings.strategy(name).params:
                    for payload in PAYLOADS:
                        value = payload.format(canary=canary)
                        try:
                            conductor.choose_strategy(name, {param.name: value})
                        except ProcedureError:
                            rejected += 1
                            continue
                        accepted += 1
                        await conductor.run_step("restore")
                        if name == "echo-literal":
                            literal = sandboxes[host] / "literal.out"
                            assert literal.read_text() == value
                        assert not canary.exists(), (name, param.name, value)
    finally:
        await close(conductor)
    assert not canary.exists()
    assert accepted == 2 * len(PAYLOADS)  # the free-text parameter, on both systems
    assert rejected > 50


async def test_a_bad_value_in_the_journal_stops_the_step_before_anything_is_sent(
    sshd_server, tmp_path
):
    settings, _ = settings_for(sshd_server, {"web-1": "web"})
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web"])
        # as if an older journal or another console had recorded it unchecked
        conductor.recorder.record(
            Kind.STRATEGY_CHOSEN, strategy="config-restore", params={"revision": "$(id)"}
        )
        with pytest.raises(ProcedureError, match="revision"):
            await conductor.run_step("restore")
    finally:
        await close(conductor)
    assert intents(conductor) == []


async def test_halt_and_assessment_are_journalled_side_by_side(sshd_server, tmp_path):
    settings, sandboxes = settings_for(sshd_server, {"web-1": "web", "db-1": "db"})
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web", "db"])
        assert await conductor.run_step("halt-delivery")
        assert await conductor.run_step("assess-state")
    finally:
        await close(conductor)
    assert all((s / "deploy.lock").exists() for s in sandboxes.values())
    events = conductor.recorder.events
    halted = next(e for e in events if e.kind == Kind.DELIVERY_HALTED)
    assert halted.data.hosts == ["db-1", "web-1"] and halted.data.failed == []
    assessed = next(e for e in events if e.kind == Kind.ASSESSMENT_RECORDED)
    web, db = assessed.data.hosts["web-1"], assessed.data.hosts["db-1"]
    assert (web["release"], web["schema_version"], web["config_revision"]) == ("2.4.1", "4", "r43")
    assert web["flag.new_checkout"] == "100" and db["last_backup"] == "2025-05-16T10:00:00Z"
    assert {"release", "schema_version", "last_backup", "flag.new_checkout"} <= set(
        assessed.data.assessed_keys
    )
    assert conductor.state.assessment["db-1"]["release"] == "14.4"
    assert conductor.state.freezes[0]["hosts"] == ["db-1", "web-1"]


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(500 if self.path == "/fail" else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Hook.received
    server.shutdown()
    thread.join(timeout=5)


def notify_with(url: str, out: Path):
    def edit(data: dict) -> None:
        step = next(
            s for p in data["procedure"]["phases"] for s in p["steps"] if s["id"] == "communicate"
        )
        data["procedure"]["channels"] = [
            {"name": "hook", "kind": "webhook", "url": url, "backoff": 0.01}
        ]
        step["channels"] = ["hook"]
        step["command"] = f"printf '%s\\n' {{{{message}}}} {{{{title}}}} > {out}"

    return edit


async def test_notification_posts_json_runs_the_command_and_is_journalled(
    sshd_server, tmp_path, webhook
):
    url, received = webhook
    out = tmp_path / "notified.txt"
    canary = tmp_path / "CANARY"
    settings, _ = settings_for(sshd_server, {"web-1": "web"}, notify_with(f"{url}/hook", out))
    conductor = conductor_for(settings, tmp_path, title=f"checkout $(touch {canary})")
    try:
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        assert await conductor.run_step("restore")
        assert await conductor.run_step("communicate")
    finally:
        await close(conductor)
    path, content_type, payload = received[0]
    assert (path, content_type) == ("/hook", "application/json")
    assert payload["incident"] == "inc-steps" and payload["phase"] == "execution"
    assert payload["hosts"]["web-1"]["status"] == "succeeded"
    assert payload["hosts"]["web-1"]["step"] == "restore"
    assert payload["trigger"]["kind"] == "user-impact" and payload["systems"] == ["web"]
    assert payload["message"].startswith("[info] inc-steps (execution): ")
    assert "hosts: web-1 succeeded" in payload["message"]
    assert payload["severity"] == "info"  # auto: every host succeeded
    assert not canary.exists()
    assert out.read_text().splitlines()[-1] == f"checkout $(touch {canary})"
    events = conductor.recorder.events
    sent = [e for e in events if e.kind == Kind.NOTIFICATION_SENT]
    results = [e for e in events if e.kind == Kind.NOTIFICATION_RESULT]
    assert [e.data.channel for e in sent] == ["command", "hook"]
    assert sent[1].data.payload == payload
    assert sent[1].data.target == "webhook (URL in the configuration)"
    # The channels send at once: their results come in either order.
    assert sorted((r.data.ok, r.data.status, r.data.sent) for r in results) == [
        (True, 0, sent[0].seq),
        (True, 204, sent[1].seq),
    ]
    assert [n["result"]["ok"] for n in conductor.state.notifications] == [True, True]


async def _notify_after_a_failure(sshd_server, journal: Path, url: str, out: Path, **step):
    """A failed ad-hoc command on web-1, then the communicate step (with `step` set)."""

    def edit(data: dict) -> None:
        notify_with(f"{url}/hook", out)(data)
        communicate = next(
            s for p in data["procedure"]["phases"] for s in p["steps"] if s["id"] == "communicate"
        )
        communicate.update(message="[{{severity}}] {{summary}}", **step)

    settings, _ = settings_for(sshd_server, {"web-1": "web"}, edit)
    conductor = conductor_for(settings, journal)
    try:
        conductor.select(["web"])
        assert not await conductor.run_adhoc("exit 3", ["web-1"])
        assert await conductor.run_step("communicate")
    finally:
        await close(conductor)
    return conductor


async def test_severity_is_critical_while_a_host_failed_unless_the_step_sets_one(
    sshd_server, tmp_path, webhook
):
    url, received = webhook
    out = tmp_path / "notified.txt"
    conductor = await _notify_after_a_failure(sshd_server, tmp_path, url, out)
    assert received[0][2]["severity"] == "critical"
    assert out.read_text().startswith("[critical] ")
    sent = [e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_SENT]
    assert {e.data.severity for e in sent} == {"critical"}
    assert "sending a critical notification via hook" in console_line(sent[-1])

    await _notify_after_a_failure(
        sshd_server, tmp_path / "configured", url, out, severity="warning"
    )
    assert received[-1][2]["severity"] == "warning"  # as configured, despite the failure
    assert out.read_text().startswith("[warning] ")


async def test_a_failed_webhook_is_a_warning_that_says_why(sshd_server, tmp_path, webhook):
    url, received = webhook
    settings, _ = settings_for(
        sshd_server, {"web-1": "web"}, notify_with(f"{url}/fail", tmp_path / "n.txt")
    )
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web"])
        assert await conductor.run_step("communicate")  # not `required`
    finally:
        await close(conductor)
    assert len(received) == 4  # the first try and three retries
    result = [e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT][-1]
    assert (result.data.ok, result.data.status) == (False, 500)
    step = conductor.state.steps["communicate"]
    assert step.status.value == "done" and "warning: hook: HTTP 500" in step.summary


async def test_an_adhoc_command_after_the_rollback_is_not_the_hosts_result(sshd_server, tmp_path):
    """The restore succeeded on web-1 and web-2; then a look around (`exit 3`, an ad-hoc
    command) failed on web-1. The document's systems table, `--json`'s hosts and the
    notifications say how the rollback stands (succeeded, at the restore); the ad-hoc
    command is in the document as what it is (it read '✘ failed' at 'Ad-hoc: exit 3')."""
    settings, _ = settings_for(sshd_server, {"web-1": "web", "web-2": "web"})
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        assert await conductor.run_step("restore")
        assert not await conductor.run_adhoc("exit 3", ["web-1"])
    finally:
        await close(conductor)
    summary = host_summary(conductor.state)
    assert [(h, s["status"], s["step"]) for h, s in summary.items()] == [
        ("web-1", "succeeded", "restore"),
        ("web-2", "succeeded", "restore"),
    ]
    document = render_markdown(list(conductor.recorder.events))
    assert "| web-1 | ✔ succeeded | – | Restore previous version |" in document
    resolution = document.split("## Resolution steps")[1].split("\n## ")[0]
    assert "1. **Restore previous version** — done: 2 succeeded\n" in resolution
    assert (
        "Ad-hoc commands, typed by hand: not steps of the procedure (a host's result under"
        " Systems affected is its procedure's).\n\n- **Ad-hoc: exit 3** — failed: 1 failed\n"
    ) in resolution
    assert "2. " not in resolution


async def test_a_command_steps_own_121_is_a_failure_to_retry_not_an_undo_first(
    sshd_server, tmp_path
):
    """A command step has no undo: its command's 121 (a tool's own code) made the console
    say 'Failed: u undoes what it left first (a retry is refused until then)', u doing
    nothing and t not offered. Only a strategy's stages say UNDO_FIRST."""
    from console.ui.undo_first import undo_first_said

    def halt_121(data) -> None:
        for phase in data["procedure"]["phases"]:
            for step in phase["steps"]:
                if step["id"] == "halt-delivery":
                    step["command"] = "echo halting; exit 121"

    settings, _ = settings_for(sshd_server, {"web-1": "web"}, halt_121)
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web"])
        assert not await conductor.run_step("halt-delivery")
    finally:
        await close(conductor)
    state = conductor.state
    assert state.step("halt-delivery").hosts["web-1"].exit_status == 121
    # its record says the number alone: it read 'exit status 121: the undo goes first, a
    # retry cannot go on there before it' (a95b414a)
    assert state.step("halt-delivery").hosts["web-1"].detail == "exit status 121"
    assert state.undo_first("halt-delivery") == []
    assert undo_first_said(str, state, "halt-delivery") == ""
