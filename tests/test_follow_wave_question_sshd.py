"""A follower sees that the commander is asked between waves: nothing starts until they
answer. Walked at 80x24 on a README fleet of 3 sshd hosts (waves of one, `confirm`): the
commander's console asked 'Start wave 2 of 3?', and the second responder's follow view
read `Waves ✔ 1/3 1 ok, 0 failed · ○ 2–3 of 3 waiting`, as if the next one ran by itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.execution import ExecutionScreen
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_ui_follow import follow_app
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

STRATEGY = {
    "name": "pin-release",
    "kind": "custom",
    "waves": {"size": 1, "confirm": True},
    "commands": {"action": "echo 2.4.0 > version", "verify": "grep -q 2.4.0 version"},
}


async def test_a_follower_reads_that_the_next_wave_waits_for_a_yes(sshd_server, tmp_path: Path):
    files = {"strategies.toml": {"strategies": [STRATEGY]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin-release"], probes=[])
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        step = app.conductor.state.step
        await until(pilot, lambda: step("restore").paused is not None, 60)  # asked
        follower = follow_app(app.conductor.recorder.path)
        async with follower.run_test(size=(80, 24)) as watching:
            await watching.press("f3")
            await until(watching, lambda: isinstance(follower.screen, ExecutionScreen))
            waves = follower.screen.query_one("#exec-waves", Static)
            await until(watching, lambda: "⏸" in str(waves.render()))
            said = str(waves.render())
        await pilot.press("escape")  # stop here: the later host is not started
    assert "⏸ 2/2 waits for a yes" in said, said
