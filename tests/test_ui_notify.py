"""A status update in the console: a channel that cannot deliver is a warning on screen,
the step still done; a periodic update that fails later says so too."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import OptionList, Static

from console.engine.conductor import Conductor
from console.model.events import Kind
from console.model.state import StepStatus
from console.ui.screens.close import CloseDialog
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.notify_dialog import NotifyDialog
from console.ui.screens.quit import QuitDialog
from tests.hooks import OK, HookServer
from tests.notify_rig import settings_with
from tests.test_ui_support import (
    build_app,
    demo_settings,
    enter_out_of_order,
    open_incident,
    until,
)


async def update_dialog(pilot: Pilot, drawn: bool = True) -> Widget:
    """Open an incident and its status update's dialog (`drawn`: once drawn): the dialog."""
    await open_incident(pilot)
    app = pilot.app
    app.screen.select_step("communicate")
    await enter_out_of_order(pilot)
    await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
    if drawn:
        await pilot.pause(0.2)
    return app.screen.query_one("#notify-dialog")


async def send_status_update(pilot: Pilot) -> Conductor:
    """Open an incident, and send its status update with the message as shown."""
    await update_dialog(pilot, drawn=False)
    await pilot.press("enter")
    return pilot.app.conductor


async def when_retried(pilot: Pilot) -> str:
    """The checklist's step detail, in one line, once a channel waits for its second try."""
    detail = pilot.app.screen.query_one("#step-detail", Static)

    def shown() -> str:
        return " ".join(str(detail.render()).split())

    await until(pilot, lambda: "attempt 2 at" in shown())
    return shown()


async def test_an_undelivered_channel_is_a_warning_and_the_step_is_done(tmp_path: Path) -> None:
    with HookServer() as hooks:
        channels = [
            {"name": "status", "kind": "webhook", "url": hooks.on("/ok", OK)},
            {"name": "pager", "kind": "webhook", "url": hooks.on("/down", (503, "", {})),
             "retries": 0},
        ]  # fmt: skip
        app = build_app(settings_with(channels, every=0.002), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)
            await until(pilot, lambda: conductor.state.step("communicate").status.finished)
            assert conductor.state.step("communicate").status is StepStatus.DONE
            steps = app.screen.query_one("#steps", OptionList)

            def marked() -> bool:  # done, and not a plain tick: one channel got nothing
                return str(steps.get_option("communicate").prompt).startswith("  ⚠ done")

            await until(pilot, marked)
            await until(pilot, lambda: any(n.severity == "warning" for n in app._notifications))
            toast = next(n for n in app._notifications if n.severity == "warning")
            assert toast.title == "Status update: not every channel"
            assert "notification via pager: NOT DELIVERED (warning)" in toast.message
            assert "notification via status: delivered" in toast.message

            def repeated_warning() -> bool:
                return any(n.title == "Not delivered" for n in app._notifications)

            await until(pilot, repeated_warning)  # a periodic update failed later
            repeats = [
                e for e in conductor.recorder.events
                if e.kind == Kind.NOTIFICATION_SENT and e.data.repeat
            ]  # fmt: skip
            assert repeats and {e.data.channel for e in repeats} == {"status", "pager"}
            # which update it was: the repeat's result names it, as its send does
            toast = next(n for n in app._notifications if n.title == "Not delivered")
            assert "status update #2 via pager: NOT DELIVERED (warning)" in toast.message
            await conductor.notifier.drain()


async def test_no_channel_delivered_says_so_not_just_not_every_one(tmp_path: Path) -> None:
    with HookServer() as hooks:
        channels = [
            {"name": "pager", "kind": "webhook", "url": hooks.on("/down", (503, "", {})),
             "retries": 0},
        ]  # fmt: skip
        app = build_app(settings_with(channels), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)
            await until(pilot, lambda: any(n.severity == "warning" for n in app._notifications))
            toast = next(n for n in app._notifications if n.severity == "warning")
            assert toast.title == "Status update: NOT DELIVERED on any channel"
            assert "notification via pager: NOT DELIVERED (warning)" in toast.message
            await conductor.notifier.drain()


async def while_an_update_waits(tmp_path: Path, look: Callable[[Pilot], Awaitable[str]]) -> str:
    """What `look` reads while a status update waits on a command channel (held until a
    file appears); then the update let finish."""
    go = tmp_path / "GO"
    waits = f"i=0; while [ ! -e {go} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"
    channels = [{"name": "mailer", "kind": "command", "command": waits}]
    app = build_app(settings_with(channels), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = await send_status_update(pilot)
        await until(pilot, lambda: "communicate" in conductor.running)
        said = await look(pilot)
        go.touch()
        await until(pilot, lambda: conductor.state.step("communicate").status.finished)
        await conductor.notifier.drain()
    return said


async def dialog_while_an_update_waits(
    tmp_path: Path, ask: Callable[[Pilot], Awaitable[object]], dialog: type[Screen]
) -> str:
    """The words of the `dialog` that `ask` opens while a status update waits; Esc."""

    async def look(pilot: Pilot) -> str:
        app = pilot.app
        await ask(pilot)
        await until(
            pilot, lambda: isinstance(app.screen, dialog) and app.screen.query(".dialog-text")
        )
        said = " ".join(str(s.content) for s in app.screen.query(".dialog-text"))
        await pilot.press("escape")
        return said

    return await while_an_update_waits(tmp_path, look)


async def test_quitting_while_a_status_update_is_sent_says_it_runs_here(tmp_path: Path) -> None:
    """Nothing of a status update runs on a host: the quit dialog says what quitting does
    to it here, not that its commands run on without the console."""
    said = await dialog_while_an_update_waits(tmp_path, lambda p: p.press("ctrl+q"), QuitDialog)
    assert "“Communicate status” runs here, in this console" in said, said
    assert "a notification not delivered yet is never sent" in said
    assert "commands run on without it" not in said


async def test_aborting_a_status_update_says_it_stops_waiting(tmp_path: Path) -> None:
    """The abort dialog said "Running commands are signalled; hosts not started will not
    start" while the step running was a status update, which has neither: it says what an
    abort does to an update being sent."""

    async def abort(pilot: Pilot) -> None:
        pilot.app.prompt_abort()

    said = await dialog_while_an_update_waits(tmp_path, abort, TextPrompt)
    assert said.startswith("“Communicate status” runs. A status update being sent stops"), said
    assert "hosts not started" not in said


async def test_f3_while_a_status_update_waits_shows_it(tmp_path: Path) -> None:
    """F3 while the update sent from the checklist waited on its channel read "Nothing has
    run yet." (or the last step run on hosts), as if nothing were under way: it shows
    the update, and that no host runs it."""

    async def look(pilot: Pilot) -> str:
        await pilot.press("f3")
        heading = lambda: str(pilot.app.screen.query_one("#exec-title").render())  # noqa: E731
        await until(pilot, lambda: "Communicate status" in heading())
        return heading() + "\n" + str(pilot.app.screen.query_one("#exec-counts", Static).render())

    title, counts = (await while_an_update_waits(tmp_path, look)).split("\n", 1)
    assert title.startswith("▶ running"), title
    assert counts.startswith("No host runs a status update: the console sends it."), counts
    assert "… mailer: no answer yet" in counts, counts


async def test_the_checklist_shows_each_channel_while_a_silent_one_is_retried(
    tmp_path: Path,
) -> None:
    """Seen on a real receiver and a socket that accepts and never answers: the checklist
    said only "▶ running" while the silent channel was retried, the other one long
    delivered. It shows each channel: delivered, or no answer yet and how its retries go."""
    with HookServer() as hooks, socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen(8)  # never accepted: the request is taken, and never answered
        port = silent.getsockname()[1]
        channels = [
            {"name": "status", "kind": "webhook", "url": hooks.on("/ok", OK)},
            {"name": "silent", "kind": "webhook", "url": f"http://127.0.0.1:{port}/",
             "timeout": 0.5, "retries": 1, "backoff": 5},
        ]  # fmt: skip
        app = build_app(settings_with(channels), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)
            detail = app.screen.query_one("#step-detail", Static)

            def shown() -> str:
                return " ".join(str(detail.render()).split())

            await until(pilot, lambda: "attempt 2 at" in shown())
            said = shown()
            assert "▶ running · notify step Sending (1 of 2 waiting):" in said, said
            assert "✔ status: delivered — HTTP 200" in said, said
            assert (
                "… silent: no answer yet (attempt 1 of 2: no answer within 0.5 s; attempt 2 at"
                in said
            )
            where = str(app.screen.query_one("#where-todo", Static).render())
            assert (
                "Sending the status update: each channel's answer is shown below;"
                " F3 then a stops waiting" in where
            ), where
            await until(pilot, lambda: conductor.state.step("communicate").status.finished)
            # The result says it now ("Sending (1 of 2 waiting):" was never "Sending:").
            ended = "silent: no answer within 0.5 s (after 2 attempts)"
            await until(pilot, lambda: ended in shown())
            assert "Sending" not in shown(), shown()


async def test_the_channel_still_waiting_is_in_sight_at_80x24(tmp_path: Path) -> None:
    """Seen at 80x24 (Slack answering 500, PagerDuty never answering): the pane's six lines
    showed 'Sending:', '✔ command: delivered', then the Slack channel's failure over two
    lines; the PagerDuty channel the step still waited for was below them, out of sight,
    under '▶ running'. The channels still waiting now come first, and the heading counts."""
    with HookServer() as hooks, socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen(8)  # never accepted: the request is taken, and never answered
        port = silent.getsockname()[1]
        channels = [
            {"name": "status", "kind": "webhook", "url": hooks.on("/ok", OK)},
            {"name": "incidents", "kind": "webhook", "url": hooks.on("/down", (500, "boom", {})),
             "retries": 1, "backoff": 0.1},
            {"name": "pager", "kind": "webhook", "url": f"http://127.0.0.1:{port}/",
             "timeout": 5, "retries": 0},
        ]  # fmt: skip
        app = build_app(settings_with(channels), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)
            detail = app.screen.query_one("#step-detail", Static)

            def shown() -> list[str]:
                return [
                    " ".join(line.text.split())
                    for line in detail.render_lines(detail.region.reset_offset)
                ]

            await until(pilot, lambda: any("incidents: not delivered" in ln for ln in shown()))
            lines = shown()
            assert any(ln.startswith("Sending (1 of 3 waiting):") for ln in lines), lines
            assert any("… pager: no answer yet" in ln for ln in lines), lines  # in sight
            await until(pilot, lambda: conductor.state.step("communicate").status.finished)
            await conductor.notifier.drain()


async def test_the_status_update_reads_whole_from_its_start_at_80x24(tmp_path: Path) -> None:
    """Seen at 80x24 on a real sshd fleet: the status update's message, in a one-line
    field, showed 'ediate): Stakeholder decision; systems app; hosts 2 pending', its start
    (the incident and phase) cut off. It is wrapped, every line of it in view from its
    start; what is typed goes at its end, and Enter sends what is shown."""
    reason = "checkout errors on every web host since the 2.4.1 release, bridge decided"
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot, reason)
        app.screen.select_step("communicate")
        await enter_out_of_order(pilot)
        await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
        area = app.screen.query_one("#notify-message")
        message = area.value
        assert len(message) > 2 * 66, message  # longer than two lines of the dialog
        await pilot.pause(0.2)

        def shown() -> str:
            region = area.content_region
            lines = [area.render_line(y).text for y in range(area.size.height)]
            return " ".join(" ".join(lines).split()) if region.height else ""

        assert shown() == " ".join(message.split()), shown()  # whole, from its start
        await pilot.press(*"; next update 10:00", "enter")
        await until(pilot, lambda: app.conductor.state.step("communicate").status.finished)
        sent = next(e for e in app.conductor.recorder.events if e.kind == Kind.NOTIFICATION_SENT)
        assert sent.data.message == message + "; next update 10:00"


async def test_a_follower_is_not_told_attempt_1_while_the_console_retries(tmp_path: Path) -> None:
    """Seen at 80x24 with `follow` beside the console: the console said "attempt 3 of 4 ...;
    attempt 4 at ...", the follower still "no answer yet (attempt 1)" (the attempts are
    not journalled). The follower says when it was sent, and who retries it."""
    from console.ui.follow import make_follow_app
    from tests.notify_rig import conductor_for

    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen(8)  # never accepted: the request is taken, and never answered
        port = silent.getsockname()[1]
        channels = [
            {"name": "silent", "kind": "webhook", "url": f"http://127.0.0.1:{port}/",
             "timeout": 0.5, "retries": 1, "backoff": 5},
        ]  # fmt: skip
        conductor = conductor_for(settings_with(channels), tmp_path)
        sending = asyncio.ensure_future(conductor.run_step("communicate"))
        try:
            follower = make_follow_app(conductor.recorder.path)
            async with follower.run_test(size=(80, 24)) as pilot:
                detail = follower.screen.query_one("#step-detail", Static)
                follower.screen.select_step("communicate")

                def shown() -> str:
                    return " ".join(str(detail.render()).split())

                await until(pilot, lambda: "silent: no answer yet" in shown())
                await until(pilot, lambda: bool(conductor.notifier.retrying))
                said = shown()
                assert "attempt 1" not in said, said
                assert re.search(
                    r"… silent: no answer yet \(sent \d\d:\d\d:\d\d UTC; the console that"
                    r" sends it retries it\)",
                    said,
                ), said
        finally:
            await sending
            await conductor.notifier.drain()
            conductor.recorder.close()


async def test_the_update_dialog_shows_commands_as_they_run_and_how_to_send_at_80x24(
    tmp_path: Path,
) -> None:
    """Seen at 80x24 on a real sshd fleet with a mail command and four channels: the
    dialog's "To:" showed the command channel's template (`echo {{message}} | mail ...
    {{incident}}`), wrapped over three lines per command, and pushed "Enter sends · Esc
    does not send" out of the dialog. The timeline said "to the jump host: echo
    {{message}} ...", as if sent as is. Each channel is now one line, a command rendered as
    it runs (the message, still to be edited, as ‹message›); the hint stays in sight; the
    record says the command that ran."""
    from console.journal.describe import describe

    mailer = "echo {{incident}}: {{message}} >/dev/null"
    with HookServer() as hooks:
        channels = [
            {"name": n, "kind": "webhook", "url": hooks.on(f"/{n}", OK)}
            for n in ("slack", "pager", "status")
        ] + [{"name": "mailer", "kind": "command", "command": mailer}]
        settings = settings_with(channels, command="echo {{message}} >/dev/null")
        app = build_app(settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot, "checkout errors on every web host since 2.4.1, " * 3)
            app.screen.select_step("communicate")
            await enter_out_of_order(pilot)
            await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
            await pilot.pause(0.2)
            dialog = app.screen.query_one("#notify-dialog")
            incident = app.conductor.state.incident_id
            lines = [str(t.render()) for t in dialog.query(".target")]
            assert len(lines) == 5, lines
            assert not any("{{" in line for line in lines), lines
            assert f"mailer: the jump host runs: echo {incident}: '‹message›'" in lines[-1]
            for widget in [*dialog.query(".target"), dialog.query_one(".dialog-hint")]:
                assert dialog.content_region.contains_region(widget.region), widget
            await pilot.press("enter")
            conductor = app.conductor
            await until(pilot, lambda: conductor.state.step("communicate").status.finished)
            said = [
                describe(e) for e in conductor.recorder.events
                if e.kind == Kind.NOTIFICATION_SENT and e.data.kind == "command"
            ]  # fmt: skip
            assert len(said) == 2 and not any("{{" in s for s in said), said
            assert f"via mailer to the jump host: echo {incident}: '" in said[1], said
            await conductor.notifier.drain()


async def test_a_retried_channels_answer_on_screen_has_its_secret_masked(tmp_path: Path) -> None:
    """Seen at 80x24 on a real sshd fleet, a status-page webhook answering 500 with
    "Cannot POST /status/hook?token=... auth=Bearer ...": the checklist's line for the
    channel being retried showed the token and the bearer in clear (the result, once
    journalled, was masked). What the screen shows of an attempt is masked the same way."""
    path = "/hooks/T0SECRET1/B0SECRET2/XXXXsecretXXXXXXXX"
    with HookServer() as hooks:
        url = hooks.on(path, (500, f"Cannot POST {path}", {}))
        channels = [
            {"name": "incidents", "kind": "webhook", "url": url, "retries": 1, "backoff": 5}
        ]
        app = build_app(settings_with(channels), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)
            said = await when_retried(pilot)
            assert "HTTP 500" in said and "«redacted»" in said, said
            assert "SECRET" not in said and "XXXXsecret" not in said, said
            await until(pilot, lambda: conductor.state.step("communicate").status.finished)
            await conductor.notifier.drain()


async def test_a_long_update_command_is_shown_whole_before_it_is_sent_at_80x24(
    tmp_path: Path,
) -> None:
    """Seen at 80x24 on a real sshd fleet: the status update's "To:" read "command: the
    jump host runs: echo '‹message›' >> /tmp/helper-103-fl…", the command cut at the
    dialog's edge before Enter sent it. A command goes on under its own start, whole;
    the hint stays in sight."""
    log = "/var/log/rollback-console/status-updates/storefront-production-eu-west-1.log"
    command = f"echo {{{{message}}}} | tee -a {log} | logger -t rollback-console -p local0.notice"
    app = build_app(settings_with([], command=command), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await update_dialog(pilot)
        [target] = dialog.query(".target")
        on_screen = [target.render_line(y).text for y in range(target.size.height)]
        assert target.size.height > 1, on_screen  # longer than the dialog is wide
        said = "".join(on_screen).replace(" ", "")
        whole = f"command: the jump host runs: echo '‹message›' | tee -a {log} | logger"
        assert (whole + " -t rollback-console -p local0.notice").replace(" ", "") in said
        assert not any("…" in line for line in on_screen), on_screen
        for widget in [target, dialog.query_one(".dialog-hint")]:
            assert dialog.content_region.contains_region(widget.region), widget


async def test_a_channel_that_cannot_send_says_so_before_the_update_is_sent(
    tmp_path: Path, monkeypatch
) -> None:
    """Seen at 80x24 on a README fleet: the dialog read "→ incidents: Slack incoming
    webhook ($SLACK_WEBHOOK_URL)", unset, and NOT DELIVERED came only once sent. It says,
    whole, that the channel will not send, and why; the others as before. The close then
    says so too, with the steps not done."""
    monkeypatch.delenv("RC_UNSET_HOOK", raising=False)
    with HookServer() as hooks:
        channels = [
            {"name": "incidents", "kind": "slack", "url_env": "RC_UNSET_HOOK"},
            {"name": "status", "kind": "webhook", "url": hooks.on("/status", OK)},
        ]
        app = build_app(settings_with(channels), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await update_dialog(pilot)
            targets = list(dialog.query(".target"))
            lines = [" ".join(str(t.render()).split()) for t in targets]
            assert lines == [
                "incidents: Slack incoming webhook: NOT SENT, $RC_UNSET_HOOK not set in this"
                " console",
                "status: webhook (URL in the configuration)",
            ], lines
            assert targets[0].has_class("-whole"), targets[0].classes
            hint = str(dialog.query_one(".dialog-hint", Static).render())
            assert hint == "Enter sends it on 1 of 2 channels · Esc does not send", hint
            for widget in [*targets, dialog.query_one(".dialog-hint")]:
                assert dialog.content_region.contains_region(widget.region), widget
            await pilot.press("enter")
            conductor = app.conductor
            await until(pilot, lambda: conductor.state.step("communicate").status.finished)
            await conductor.notifier.drain()
            # The close said "Nothing more is needed" (of the outcome, it meant) with the
            # update never delivered and the steps after it not done: it names them first.
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            await pilot.pause(0.2)
            close = app.screen.query_one("#close-dialog")
            text = " ".join(str(close.query_one(".dialog-text").render()).split())
            assert text.endswith("NOT DELIVERED: the last status update on incidents."), text
            assert " Not done: steps " in text, text
            for widget in [close.query_one(".dialog-text"), close.query_one(".dialog-hint")]:
                assert close.content_region.contains_region(widget.region), widget
            conductor.recorder.close()


async def test_the_update_dialog_does_not_say_enter_sends_when_no_channel_can(
    tmp_path: Path, monkeypatch
) -> None:
    """Seen at 80x24 on a README fleet, the console started without the channels'
    variables: Slack and PagerDuty both read NOT SENT, and the hint said "Enter sends".
    It says that nothing can send the update from here, and what Enter does then."""
    monkeypatch.delenv("RC_UNSET_HOOK", raising=False)
    monkeypatch.delenv("RC_UNSET_KEY", raising=False)
    channels = [
        {"name": "incidents", "kind": "slack", "url_env": "RC_UNSET_HOOK"},
        {"name": "oncall", "kind": "pagerduty", "routing_key_env": "RC_UNSET_KEY"},
    ]
    app = build_app(settings_with(channels), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await update_dialog(pilot)
        hint = dialog.query_one(".dialog-hint", Static)
        said = str(hint.render())
        assert said == "No channel can send it: Enter records it as NOT SENT · Esc records nothing"
        assert dialog.content_region.contains_region(hint.region), hint
        await pilot.press("enter")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("communicate").status.finished)
        results = [e.data for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT]
        assert results and not any(r.ok for r in results), results
        await conductor.notifier.drain()
        conductor.recorder.close()


async def test_the_update_dialog_says_a_periodic_update_goes_again(tmp_path: Path) -> None:
    """Seen at 80x24 on a README fleet whose "Communicate status" has `every = 1`: the
    dialog read "To:" and "Enter sends", and nothing said it would post again every minute
    until the close. It says so above the channels; a one-off update's reads as before."""
    with HookServer() as hooks:
        channels = [{"name": "status", "kind": "webhook", "url": hooks.on("/status", OK)}]
        app = build_app(settings_with(channels, every=15), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await update_dialog(pilot)
            said = [str(s.render()) for s in dialog.query("#notify-targets > Static")]
            assert said[0] == "To (then again every 15 min until the close):", said
            assert dialog.content_region.contains_region(dialog.query_one(".dialog-hint").region)
            await pilot.press("escape")
            app.conductor.recorder.close()


async def test_the_detail_says_the_latest_status_update_not_the_first(tmp_path: Path) -> None:
    """ "Communicate status" with `every`: its first update was delivered, a later one not
    (the receiver answering 503 since). The checklist's detail still read 'Result:
    status: delivered (HTTP 200)', the first update's, while the latest had failed: the
    channel nobody now hears read as fine. It says the latest update's answer, and the
    mark beside the step says a channel got nothing."""
    with HookServer() as hooks:
        down = (503, "", {})
        channels = [
            {"name": "status", "kind": "webhook", "url": hooks.on("/s", OK, down), "retries": 0}
        ]
        app = build_app(settings_with(channels, every=0.002), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)

            def failed_repeat() -> bool:
                return any(
                    n.get("repeat") and n.get("result", {}).get("ok") is False
                    for n in conductor.state.notifications
                )

            await until(pilot, failed_repeat)
            await conductor.notifier.drain()  # no later update while the detail is read
            await pilot.pause(0.3)
            app.screen.select_step("communicate")
            detail = app.screen.query_one("#step-detail", Static)
            await pilot.pause(0.3)
            shown = " ".join(str(detail.render()).split())
            # the latest: a 503, or one the drain cut with no answer yet
            last = max(conductor.state.notifications, key=lambda n: n.get("repeat") or 0)
            said = f"Status update #{last['repeat'] + 1}: ⚠ status: not delivered — "
            assert said + last["result"]["detail"] in shown, shown
            assert "Result: status: HTTP 200" not in shown, shown
            steps = app.screen.query_one("#steps", OptionList)
            assert str(steps.get_option("communicate").prompt).startswith("  ⚠ done")
