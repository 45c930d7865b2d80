"""The execution screen's line of a step's earlier runs says when a run was undone before
the next began: after u had undone a rollout and Enter ran it again, the line read
'Earlier run 1: 1 of 1 wave, app-1, app-2: 2 ok, 0 failed', as if the hosts still stood
where that run had left them. On real sshd, at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from console.model.state import StepStatus
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
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
    "commands": {
        "action": "echo 2.4.0 > version",
        "verify": "grep -q 2.4.0 version",
        "undo": "echo 2.4.1 > version",
    },
}


async def _run(app, pilot) -> None:
    app.start_run("restore")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
    await pilot.press("y")
    await until(pilot, lambda: app.conductor.state.step("restore").status is StepStatus.DONE, 60)


async def test_an_earlier_run_undone_since_says_so(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": {"strategies": [STRATEGY]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin-release"], probes=[])
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await _run(app, pilot)
        assert await app.conductor.undo("restore")
        assert app.conductor.state.undone("restore") is not None
        await _run(app, pilot)
        await app.push_screen("execution")
        waves = app.screen.query_one("#exec-waves", Static)
        await until(pilot, lambda: "Earlier" in str(waves.render()))
        said = str(waves.render())
    assert "Earlier run 1: 1 of 1 wave, app-1, app-2: 2 ok, 0 failed, then undone" in said, said
