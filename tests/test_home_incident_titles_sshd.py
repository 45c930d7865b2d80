"""The home screen's incidents at 80x24 tell one incident from the next. Walked on a
README fleet of real sshd hosts (helper-138): each incident declared by hand read
`User impact …`, its title cut at a word before its reason; where the title does not
fit, the trigger's label goes and the reason stays."""

from __future__ import annotations

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


async def test_an_incidents_reason_shows_at_80_columns(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    for reason in ("checkout errors after 2.4.1", "short"):
        done = fleet.cli(
            "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
            "--reason", reason, "--yes",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    app = build_app(load_settings(fleet.config), fleet.state / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#incidents", DataTable)
        await until(pilot, lambda: table.row_count == 2)
        titles = [str(table.get_row_at(i)[1]) for i in range(2)]
    assert titles == ["short", "checkout errors after …"], titles  # newest first
