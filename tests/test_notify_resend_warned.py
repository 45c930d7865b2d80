"""A status update resent after its channel gave no answer: the first may have arrived.
Walked at 80x24 with a receiver that took the update and never answered: the retry's
dialog named the channel as if nothing had gone out, and Enter paged the on-call twice."""

from __future__ import annotations

import socket
from pathlib import Path

from console.model.events import Kind
from console.model.state import StepStatus
from console.ui.screens.notify_dialog import NotifyDialog
from tests.hooks import OK, HookServer
from tests.notify_rig import settings_with
from tests.test_ui_notify import send_status_update
from tests.test_ui_support import build_app, enter_out_of_order, until


async def test_resending_an_update_that_had_no_answer_warns_it_may_page_twice(
    tmp_path: Path,
) -> None:
    """A required update's receiver took it whole and did not answer within its timeout:
    the retry's dialog named the channel as if nothing had gone out, and Enter paged the
    on-call a second time. The dialog now says the first may have arrived, and the record
    keeps that it had no answer (`unanswered`), apart from one never sent."""
    with HookServer() as hooks, socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen(8)  # never accepted: the request is taken, and never answered
        port = silent.getsockname()[1]
        channels = [
            {"name": "pager", "kind": "webhook", "url": f"http://127.0.0.1:{port}/",
             "timeout": 0.5, "retries": 0},
            {"name": "down", "kind": "webhook", "url": "http://127.0.0.1:1/", "retries": 0},
            {"name": "status", "kind": "webhook", "url": hooks.on("/ok", OK)},
        ]  # fmt: skip
        app = build_app(settings_with(channels, required=True), tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            conductor = await send_status_update(pilot)
            step = conductor.state.step
            await until(pilot, lambda: step("communicate").status is StepStatus.FAILED)
            await enter_out_of_order(pilot)  # the retry, ahead of the checklist's order
            await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
            rows = [" ".join(str(s.render()).split()) for s in app.screen.query(".target")]
            assert rows[0] == (
                "pager: the first may have arrived (no answer); resending may page twice:"
                " webhook (URL in the configuration)"
            ), rows  # whole, never cut at 80 columns
            assert rows[1] == "down: webhook (URL in the configuration)", rows  # never sent
            await pilot.press("escape")
        results = [e.data for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT]
        assert {r.channel: r.unanswered for r in results if not r.ok} == {
            "pager": True,
            "down": None,
        }
