"""A status update whose console is SIGKILLed while a channel has not answered, then
resumed. Seen at 80x24 (PagerDuty's url at a local server that never answers, the run
killed -9 in 'Communicate status'): the resumed console read 'Sending (1 of 3 waiting):
… oncall: no answer yet (attempt 1 of 4, up to 10 s)' with nothing sending it any more,
and the journal kept that notification.sent without a result for good (the declaration's
PagerDuty trigger too). The resume now records each as not delivered, saying why."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.follow import make_follow_app
from tests.cli_fleet import Fleet, write_fleet
from tests.test_ui_support import START, _close_engines, until  # noqa: F401

pytestmark = pytest.mark.sshd

DRIVER = """
import asyncio, sys
from pathlib import Path
from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.triggers import TriggerKind

async def main(config, root):
    engine = Engine(load_settings(Path(config)), Path(root))
    c = engine.new_incident("update", incident_id="inc", systems=["app"])
    c.declare_trigger(TriggerKind.USER_IMPACT, "checkout broken")
    c.select(["app"])

    def sent(event):
        if event.kind == "notification.sent" and event.where.step == "communicate":
            print("SENT", flush=True)

    c.recorder.subscribe(sent)
    await c.run_step("communicate")

asyncio.run(main(*sys.argv[1:3]))
"""


OFF = {"strategies": [{"name": "off", "kind": "custom", "commands": {"action": "true"}}]}


def procedure(port: int) -> dict:
    return {
        "name": "Status",
        "phases": [
            {"phase": "immediate", "steps": [{"id": "bridge", "title": "B", "kind": "manual"}]},
            {
                "phase": "execution",
                "steps": [
                    {
                        "id": "communicate",
                        "title": "Communicate status",
                        "kind": "notify",
                        "message": "{{incident}}: {{summary}}",
                        "channels": ["silent"],
                    }
                ],
            },
            {
                "phase": "post",
                "steps": [{"id": "doc", "title": "D", "kind": "form", "fields": ["reason"]}],
            },
        ],
        "channels": [
            {"name": "silent", "kind": "webhook", "url": f"http://127.0.0.1:{port}/", "timeout": 30}
        ],
    }


async def test_a_notification_left_unanswered_by_a_killed_console_is_settled(
    sshd_server, tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen(8)  # never accepted: the request is taken, and never answered
        files = {"procedure.toml": procedure(silent.getsockname()[1]), "strategies.toml": OFF}
        fleet: Fleet = write_fleet(sshd_server, tmp_path, files, strategies=["off"], probes=[])
        root = fleet.state / "incidents"
        process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(fleet.config), str(root)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)},
        )
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("SENT")
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()
            process.wait(timeout=30)
    journal = root / "inc" / "journal.jsonl"
    assert not [e for e in read_journal(journal).events if e.kind == Kind.NOTIFICATION_RESULT]

    engine = Engine(load_settings(fleet.config), root)
    conductor = engine.resume(journal)
    try:
        [sent] = [n for n in conductor.state.notifications if n.get("step") == "communicate"]
        result = sent["result"]
        assert result["ok"] is False
        assert result["detail"] == (
            "no answer yet when the console ended (resumed since): it may have arrived"
        )
    finally:
        await engine.close()
        conductor.recorder.close()

    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.screen.query("#step-detail"))
        app.screen.select_step("communicate")
        detail = app.screen.query_one("#step-detail", Static)
        await until(pilot, lambda: "Communicate status" in str(detail.render()))
        assert "no answer yet (" not in str(detail.render())
