"""The home screen's incident list follows the journal directory while it is shown: walked
on a jump host at 80x24, incidents a headless `exec` (a teammate's, or a runbook's) opened
and closed never showed up, and the ages stayed as the console started, until the screen
was left and come back to. Real sshd, the command line run as a user would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable

from console.model.loading import load_settings
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd


async def test_an_incident_opened_elsewhere_is_listed_the_cursor_kept(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    for _ in range(2):
        assert fleet.cli("exec", "--systems", "app", "true").returncode == 0
    app = build_app(load_settings(fleet.config), fleet.state / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#incidents", DataTable)
        await until(pilot, lambda: table.row_count == 2)
        table.move_cursor(row=1)  # the older one, as a responder reading it
        await pilot.pause()
        older = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        ran = await asyncio.to_thread(fleet.cli, "exec", "--systems", "app", "true")
        assert ran.returncode == 0, ran.stderr
        await until(pilot, lambda: table.row_count == 3, timeout=30)
        now = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert now == older and table.cursor_row == 2
