"""The trigger screen's line of an automatic trigger reads its probe as the home screen's
probe table does (real sshd, 80x24). Walked by helper-133 on a README staging fleet: the
table read `2/2 ok` and `Streak 0/2`, the trigger screen `web/health = 0 (0/2 bad)` (a
vote's count of bad hosts as a reading of zero, and the streak as if no host of two were
bad)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.loading import load_settings
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.one_line import OneLine
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_the_trigger_screen_reads_a_probe_as_the_table_does(sshd_server, tmp_path: Path):
    fleet = staging_fleet(sshd_server, tmp_path)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/health"]
        await until(pilot, lambda: reading.last is not None, 60)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#auto-error-threshold", OneLine).render())
    assert line.endswith("app/health = 2/2 ok (streak 0/2)"), line
