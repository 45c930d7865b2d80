"""Ctrl+C once a headless run has closed its incident, while PagerDuty does not answer
(a real loopback socket that never replies): the run stops waiting, journals every event
without an answer as not delivered, and records no abort in the closed incident."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import checklist, write_fleet

pytestmark = pytest.mark.sshd

NOOP = {"name": "noop", "kind": "custom", "commands": {"action": "true"}}
PROCEDURE = checklist({"id": "halt", "title": "Halt", "kind": "command", "command": "true"})


def run_argv(fleet, journal: Path, *extra: str) -> tuple[list[str], dict[str, str]]:
    """`run` on the fleet's app with the noop strategy, journalled at `journal`; its env."""
    argv = [
        sys.executable, "-m", "console", "run", "--config", str(fleet.config),
        "--systems", "app", "--strategy", "noop", "--trigger", "user-impact",
        "--reason", "checkout fails", "--yes", "--journal", str(journal), *extra,
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state), "PYTHONUNBUFFERED": "1"}
    return argv, env


def interrupted_after(argv: list[str], env: dict[str, str], seen: str) -> tuple[int, str]:
    """Start `argv`, Ctrl+C it once it prints a line with `seen`; (exit status, output). A
    bound of 60 s: every silent endpoint here would take longer."""
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    shown = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            shown.append(line)
            if seen in line:
                break
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        shown.append(out)
    finally:
        process.kill()
        process.wait(timeout=30)
    return process.returncode, "".join(shown)


def with_communicate(channels: list[dict], message: str) -> dict:
    """PROCEDURE with a "Communicate status" step at the end of execution, on `channels`."""
    communicate = {"id": "communicate", "title": "Communicate status", "kind": "notify"}
    communicate |= {"channels": [c["name"] for c in channels], "message": message}
    procedure = {**PROCEDURE, "channels": channels}
    procedure["phases"] = [
        p if p["phase"] != "execution" else {**p, "steps": [*p["steps"], communicate]}
        for p in PROCEDURE["phases"]
    ]
    return procedure


def run_communicating(sshd_server, tmp_path: Path, channels: list[dict], *extra: str):
    """`run` (noop, --yes) on a one-host fleet whose status update goes on `channels`."""
    procedure = with_communicate(channels, "{{summary}}")
    files = {"procedure.toml": procedure, "strategies.toml": {"strategies": [NOOP]}}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[])
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "noop", "--trigger", "user-impact",
        "--reason", "checkout fails", "--yes", *extra,
    )  # fmt: skip


def fleet_paging_silently(sshd_server, tmp_path: Path, silent: socket.socket, timeout: float = 120):
    """A one-host fleet whose procedure pages PagerDuty at `silent`, bound here to a
    loopback port that accepts connections in its backlog and never answers (`timeout`
    seconds, one attempt)."""
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/v2/enqueue"
    channel = {"name": "oncall", "kind": "pagerduty", "routing_key": "rk-test", "url": url}
    channel |= {"timeout": timeout, "retries": 0}
    files = {
        "procedure.toml": PROCEDURE | {"channels": [channel]},
        "strategies.toml": {"strategies": [NOOP]},
    }
    return write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[])


def test_ctrl_c_after_the_close_stops_waiting_on_pagerduty(sshd_server, tmp_path: Path) -> None:
    with socket.socket() as silent:
        fleet = fleet_paging_silently(sshd_server, tmp_path, silent)
        journal = tmp_path / "incident"
        argv, env = run_argv(fleet, journal, "--outcome", "not-needed:a false alarm")
        code, said = interrupted_after(argv, env, "closed the incident")
    assert code == 0, said

    events = read_journal(journal).events
    closed = next(e.seq for e in events if e.kind == Kind.INCIDENT_CLOSED)
    assert not [e for e in events if e.kind == Kind.RUN_ABORTED], said
    sent = {e.seq: e.data.action for e in events if e.kind == Kind.NOTIFICATION_SENT}
    results = {e.data.sent: e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT}
    assert set(sent.values()) == {"trigger", "acknowledge", "resolve"}
    assert set(results) == set(sent)  # every event sent, or not, has its outcome
    assert not any(r.ok for r in results.values())
    trigger = next(s for s, action in sent.items() if action == "trigger")
    assert results[trigger].detail == "no answer yet when it was interrupted by SIGINT"
    assert all(
        r.detail == "not sent: interrupted by SIGINT" for s, r in results.items() if s != trigger
    )
    assert max(results) > closed


def test_ctrl_c_while_a_status_update_waits_on_a_silent_webhook_aborts_at_once(
    sshd_server, tmp_path: Path
) -> None:
    """Seen walking a real incident: Ctrl+C during "Communicate status", its webhook
    hanging, journalled the abort at once but then waited out every attempt (52 s with the
    defaults) before the run closed. The abort now cuts the update short: the webhook's
    send is journalled as not delivered, saying why, and the run closes as aborted."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook?token=tok-secret"
        channel = {"name": "status-page", "kind": "webhook", "url": url}
        channel |= {"timeout": 120, "retries": 3}
        procedure = with_communicate([channel], "{{incident}}: {{summary}}")
        files = {"procedure.toml": procedure, "strategies.toml": {"strategies": [NOOP]}}
        fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[])
        journal = tmp_path / "incident"
        code, said = interrupted_after(*run_argv(fleet, journal), "via status-page")
    assert code == 0, said
    events = read_journal(journal).events
    [result] = [e.data for e in events if e.kind == Kind.NOTIFICATION_RESULT]
    assert not result.ok
    assert result.detail == (
        "no answer yet when the step was aborted (interrupted by SIGINT): it may have arrived"
    )
    [done] = [
        e.data for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "communicate"
    ]
    assert done.status == "failed"
    assert done.summary.startswith(
        "aborted: interrupted by SIGINT; warning: status-page: no answer"
    )
    # Stopped in its last status update, the record agreeing, it closes as the run would
    # have without Ctrl+C, not as an aborted rollback.
    closed = next(e.data for e in events if e.kind == Kind.INCIDENT_CLOSED)
    assert closed.outcome == "rolled-back", closed
    assert "tok-secret" not in journal.joinpath("journal.jsonl").read_text()


def rollback_interrupted(sshd_server, tmp_path: Path, checklist: dict) -> tuple[Path, int, str]:
    """`run` of app-rollback on a fleet whose procedure is `checklist` (channels on
    `status-page` and others), Ctrl+C once it sends on status-page; (its journal, exit
    status, output)."""
    from tests.test_channel_headers_sshd import STRATEGIES

    files = {"procedure.toml": checklist, "strategies.toml": STRATEGIES}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])
    journal = tmp_path / "incident"
    argv, env = run_argv(fleet, journal)
    argv[argv.index("noop")] = "app-rollback"
    return journal, *interrupted_after(argv, env, "via status-page")


def test_ctrl_c_in_the_last_status_update_of_a_verified_rollback_closes_it_verified(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on a README fleet of real sshd hosts: every host rolled back and verified,
    then Ctrl+C while "Communicate status" waited on a hanging status page. The run
    closed the incident "aborted: interrupted by SIGINT", exit 1, and PagerDuty was sent a
    trigger on the close (paging again) for a rollback that had been verified. It closes
    rolled back and verified, the update's step failed ("aborted: ..."), exit 0; PagerDuty
    resolves; the status page, which did not answer, is not tried again."""
    from tests.hooks import ACCEPTED, HookServer
    from tests.test_channel_headers_sshd import procedure

    with socket.socket() as silent, HookServer() as hooks:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        checklist = procedure(f"http://127.0.0.1:{silent.getsockname()[1]}/hook", required=False)
        checklist["channels"][0] |= {"timeout": 120, "retries": 3}
        pager = {"name": "oncall", "kind": "pagerduty", "routing_key": "rk-test"}
        checklist["channels"].append(pager | {"url": hooks.on("/pd", ACCEPTED)})
        journal, code, said = rollback_interrupted(sshd_server, tmp_path, checklist)
        pages = [r.body["event_action"] for r in hooks.wait_for("/pd", 3)]
    assert code == 0, said
    events = read_journal(journal).events
    closed = next(e.data for e in events if e.kind == Kind.INCIDENT_CLOSED)
    assert closed.outcome == "rolled-back", closed
    [done] = [
        e.data for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "communicate"
    ]
    assert done.status == "failed" and done.summary.startswith("aborted: interrupted by SIGINT")
    assert pages == ["trigger", "acknowledge", "resolve"], pages
    sent = [e.data.channel for e in events if e.kind == Kind.NOTIFICATION_SENT]
    assert sent.count("status-page") == 1, sent  # no close's update to a silent endpoint
    assert said.splitlines()[-1].split(": ", 1)[1].startswith("rolled back and verified"), said


def test_follow_plain_prints_the_pages_sent_on_the_close_until_they_are_answered(
    sshd_server, tmp_path: Path
) -> None:
    """Seen with `follow --plain` beside a real run: the follower stopped at "closed the
    incident", and the PagerDuty resolve the run sent on the close, and its result, never
    reached it. It goes on while the console that sent them runs and they await answers."""
    with socket.socket() as silent:
        fleet = fleet_paging_silently(sshd_server, tmp_path, silent)
        procedure = fleet.config / "procedure.toml"
        procedure.write_text(procedure.read_text().replace("timeout = 120", "timeout = 2"))
        journal = tmp_path / "incident"
        argv, env = run_argv(fleet, journal)
        run = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert run.stdout is not None
            next(line for line in run.stdout if "opened the incident" in line)
            follow = subprocess.run(
                [sys.executable, "-m", "console", "follow", str(journal), "--plain"],
                capture_output=True, text=True, timeout=60, env=env,
            )  # fmt: skip
            run.communicate(timeout=60)
        finally:
            run.kill()
            run.wait(timeout=30)
    assert follow.returncode == 0, follow.stderr
    lines = follow.stdout.splitlines()
    closed = next(i for i, line in enumerate(lines) if "closed the incident" in line)
    after = "\n".join(lines[closed:])
    assert "sending a PagerDuty resolve on the close via oncall" in after, follow.stdout
    assert "PagerDuty resolve via oncall: NOT DELIVERED (warning) — no answer within 2 s" in after


def test_follow_plain_waits_for_the_close_page_queued_behind_an_answered_one() -> None:
    """Seen 1 run in 9 of the test above under load: the acknowledge's answer (given up
    on) came, and the follower, polling before the resolve queued behind it was sent,
    found nothing waiting and stopped: the resolve never reached it. A channel paged for
    the incident with no event sent on the close yet is still being sent to."""
    from console.headless.follow import _still_sending
    from console.model.state import IncidentState

    state = IncidentState()
    state.closed_at = datetime.now(UTC)
    for seq, action in [(1, "trigger"), (3, "acknowledge")]:
        sent = {"seq": seq, "channel": "oncall", "lifecycle": action, "result": {"ok": False}}
        state.notifications.append(sent)
    writer = (os.getpid(), socket.gethostname())
    assert _still_sending(state, writer)
    state.notifications.append({"seq": 5, "channel": "oncall", "lifecycle": "close"})
    assert _still_sending(state, writer)  # sent, no answer yet
    state.notifications[-1]["result"] = {"ok": True}
    assert not _still_sending(state, writer)


def test_run_json_says_which_notification_was_delivered(sshd_server, tmp_path: Path) -> None:
    """Seen on a real fleet: `run --json` of an incident whose status update Slack refused
    (400) and PagerDuty rate-limited said so only inside a step's summary string; a
    pipeline had to parse prose to know who was told. Each notification is listed."""
    import json

    from tests.hooks import ACCEPTED, HookServer

    with HookServer() as hooks:
        channels = [
            {"name": "incidents", "kind": "slack", "retries": 0,
             "url": hooks.on("/slack", (400, "invalid_payload", {}))},
            {"name": "oncall", "kind": "pagerduty", "routing_key": "rk-test",
             "url": hooks.on("/pd", ACCEPTED)},
        ]  # fmt: skip
        done = run_communicating(sshd_server, tmp_path, channels, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    told = json.loads(done.stdout)["notifications"]
    assert [(n["channel"], n["step"], n["event"], n["delivered"]) for n in told] == [
        ("oncall", None, "trigger", True),
        ("oncall", None, "acknowledge", True),
        ("incidents", "communicate", None, False),
        ("oncall", "communicate", None, True),
        ("oncall", None, "resolve", True),
        ("incidents", "communicate", None, False),  # the close's update, refused too
    ]
    assert told[2]["detail"] == "HTTP 400 Bad Request: invalid_payload"
    assert "rk-test" not in done.stdout


def test_ctrl_c_while_a_status_update_command_runs_stops_that_command(
    sshd_server, tmp_path: Path
) -> None:
    """A status update by a command on the jump host (a mail, a chat CLI) still running at
    Ctrl+C: the run records it as not delivered, and the command is stopped with it, its
    own children too, rather than left to go on (and maybe send) after a record saying it
    had no answer. Before, the shell ran on, orphaned (and the interpreter warned, now and
    then, of a subprocess transport left behind at exit)."""
    sent = tmp_path / "sent"
    command = f"echo started; (sleep 2; touch {sent}) & sleep 2; touch {sent}"
    channel = {"name": "mail", "kind": "command", "command": command, "timeout": 60}
    channel |= {"retries": 0}
    procedure = with_communicate([channel], "{{incident}}: {{summary}}")
    files = {"procedure.toml": procedure, "strategies.toml": {"strategies": [NOOP]}}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[])
    journal = tmp_path / "incident"
    argv, env = run_argv(fleet, journal)
    code, said = interrupted_after(argv, env, "via mail")
    assert code == 0, said  # stopped in its last status update: it closes as it would have
    [result] = [e.data for e in read_journal(journal).events if e.kind == Kind.NOTIFICATION_RESULT]
    assert not result.ok
    assert result.detail.startswith("no answer yet when the step was aborted"), result.detail
    deadline = time.monotonic() + 6  # the command and its child would have sent by then
    while time.monotonic() < deadline and not sent.exists():
        time.sleep(0.2)
    assert not sent.exists(), "the status update's command went on after the abort"


def test_run_names_the_updates_not_delivered_in_its_last_lines(sshd_server, tmp_path: Path) -> None:
    """Seen on a real fleet with Slack answering 500 and a status page that hung: `run`
    retried them for a minute, then ended "ID: rolled back and verified; journal ...",
    exit 0, the two NOT DELIVERED lines scrolled far above. The verdict stands (a channel
    is a warning), and the lines before it now say who was not told and why."""
    from tests.hooks import OK, HookServer

    with HookServer() as hooks:
        channels = [
            {"name": "incidents", "kind": "slack", "retries": 1, "backoff": 0.1,
             "url": hooks.on("/slack", (500, "boom", {}))},
            {"name": "status", "kind": "webhook", "url": hooks.on("/ok", OK)},
        ]  # fmt: skip
        done = run_communicating(sshd_server, tmp_path, channels)
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.splitlines()[-4:]
    assert last[0] == "status updates not delivered:", last
    said = "  communicate: notification via incidents: NOT DELIVERED (warning) — HTTP 500"
    assert last[1].startswith(said), last
    assert "(after 2 attempts)" in last[1], last
    # the close's update, to the same channel: not told of the close either
    said = "  communicate: status update #2 via incidents: NOT DELIVERED (warning)"
    assert last[2].startswith(said), last
    assert ": rolled back" in last[3] and "; journal " in last[3], last


def test_a_required_update_not_delivered_says_which_step_failed_on_the_last_line(
    sshd_server, tmp_path: Path
) -> None:
    """Walked with a `required = true` status update whose webhook answered 500 and
    `--outcome rolled-back`: the host was rolled back and verified, the update failed, and
    `run` ended "ID: FAILED: rolled back and verified; journal ..." (exit 1), a verdict
    that reads as both. It names the step that failed, then the close."""
    from tests.hooks import HookServer

    with HookServer() as hooks:
        channel = {"name": "status", "kind": "webhook", "retries": 0}
        channel["url"] = hooks.on("/status", (500, "boom", {}))
        procedure = with_communicate([channel], "{{summary}}")
        for phase in procedure["phases"]:
            for step in phase["steps"]:
                step.update({"required": True} if step["id"] == "communicate" else {})
        files = {"procedure.toml": procedure, "strategies.toml": {"strategies": [NOOP]}}
        fleet = write_fleet(sshd_server, tmp_path, files, strategies=["noop"], probes=[])
        done = fleet.cli(
            "run", "--systems", "app", "--strategy", "noop", "--trigger", "user-impact",
            "--reason", "checkout fails", "--yes", "--outcome", "rolled-back",
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stdout.splitlines()[-1]
    assert ": FAILED: “Communicate status” failed; closed as rolled back" in last, last
