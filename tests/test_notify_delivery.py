"""How a notification is delivered, or said not to be: retries with backoff (Retry-After
too, the same idempotency key on each), a command that cannot run, an endpoint that
hangs, hangs up or redirects, a required step that fails when a channel gives up and
its retry on the channels that did not take it, and the document's summary of it."""

from __future__ import annotations

import asyncio
import datetime
import json
import threading

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.journal.terminal_line import console_line
from console.model.events import Kind
from console.model.state import StepStatus
from tests.hooks import OK, serving
from tests.notify_rig import (
    CLOSED,
    TOKEN,
    conductor_for,
    finish,
    settings_with,
)


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
