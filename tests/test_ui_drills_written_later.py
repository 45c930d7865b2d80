"""A console started before drills.toml was written, at 80x24: its drills screen said
"No scenarios: declare [[scenarios]] in drills.toml", read as the file not being there.
The configuration is read once, at start (every file of it): the screen says the file
declares scenarios now, and that a restart shows them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Label

from console.model.loading import load_settings
from console.ui.screens.drills import DrillsScreen
from tests.test_ui_support import _close_engines, build_app, until  # noqa: F401

SCENARIO = """\
[[scenarios]]
name = "web-release"
systems = ["web"]
strategy = "version-rollback"
trigger = "stakeholder-decision"
reason = "monthly drill"
"""


def _starter(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    made = subprocess.run(
        [sys.executable, "-m", "console", "init", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert not (config / "drills.toml").exists()
    return config


async def _hint(app, pilot) -> str:
    await pilot.press("d")
    await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
    assert app.screen.query_one("#scenarios", DataTable).row_count == 0
    label = app.screen.query_one("#drills-hint", Label)
    hint = str(label.render())
    assert label.size.height == 2, label.size  # wrapped at 80 columns, not cut at the edge
    await pilot.press("escape")
    return hint


async def test_scenarios_written_after_the_start_are_said_to_need_a_restart(tmp_path):
    config = _starter(tmp_path)
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        hint = await _hint(app, pilot)
        assert hint.startswith("No scenarios: declare [[scenarios]] in drills.toml"), hint
        assert "restart the console" in hint, hint
        (config / "drills.toml").write_text(SCENARIO)
        assert len(load_settings(config).drills.scenarios) == 1  # a valid scenario
        hint = await _hint(app, pilot)
        assert hint.startswith(
            "No scenarios when the console started; drills.toml declares 1 now:"
            " restart the console to run them"
        ), hint
