"""A console started before drills.toml was written, at 80x24: its drills screen said
"No scenarios: declare [[scenarios]] in drills.toml", read as the file not being there;
then that a restart shows them. An incident commander who writes or fixes a drill expects
it to take effect (helper 229): the drills screen reads drills.toml again as it opens, and
a file that does not load is said, the list read before kept, and no drill runs from it."""

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


async def _hint(app, pilot, rows: int) -> str:
    await pilot.press("d")
    await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
    assert app.screen.query_one("#scenarios", DataTable).row_count == rows
    label = app.screen.query_one("#drills-hint", Label)
    hint = str(label.render())
    lines = -(-len(hint) // label.size.width)  # wrapped at 80 columns, not cut at the edge
    assert label.size.height >= lines > 0, (label.size, hint)
    return hint


async def test_scenarios_written_after_the_start_are_listed_and_a_broken_file_said(tmp_path):
    config = _starter(tmp_path)
    app = build_app(load_settings(config), tmp_path / "incidents")
    app.NOTIFICATION_TIMEOUT = 600  # each toast kept for the asserts below, however loaded
    async with app.run_test(size=(80, 24)) as pilot:
        hint = await _hint(app, pilot, rows=0)
        assert hint.startswith("No scenarios: declare [[scenarios]] in drills.toml"), hint
        await pilot.press("escape")
        (config / "drills.toml").write_text(SCENARIO)
        hint = await _hint(app, pilot, rows=1)
        assert hint.startswith("Enter runs the highlighted scenario"), hint
        assert app.settings.drills.scenario("web-release").reason == "monthly drill"
        # One configuration in the console: the engine, which makes the incidents, has it.
        assert app.engine.settings.drills.scenario("web-release").reason == "monthly drill"
        await pilot.press("escape")

        (config / "drills.toml").write_text(SCENARIO.replace("version-rollback", "version-rolback"))
        hint = await _hint(app, pilot, rows=1)  # the list read before, said not the file's
        assert hint.startswith(
            "▲ drills.toml changed since the console read it, and cannot be used as it is: "
            f"{config / 'drills.toml'}:4: scenarios[0].strategy: no strategy is named"
        ), hint
        await pilot.press("enter")  # refused, not asked: the file no longer says it
        await until(pilot, lambda: len(app._notifications) == 2)
        read_again, refused = list(app._notifications)
        assert read_again.message.startswith("drills.toml read again: 1 scenario(s)")
        assert refused.title == "Drill not started", refused
        assert "cannot be used as it is" in refused.message
        assert isinstance(app.screen, DrillsScreen) and app.drills.running is None
