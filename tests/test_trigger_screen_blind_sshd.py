"""The trigger screen says a trigger whose probe reads nothing is blind, not quiet (real
sshd, 80x24). Walked on a real fleet whose application had stopped answering: every host's
probe failed, the home screen's table read `? inconclusive · 3 not read`, and the trigger
screen `○ quiet  Critical error threshold exceeded · web/error-rate = – · 3 not read`,
then 'None of these automatic triggers has fired': calm words for a watch that sees
nothing, and so can fire nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.loading import load_settings
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.one_line import OneLine
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_a_probe_that_reads_nothing_is_said_blind(sshd_server, tmp_path: Path):
    fleet = staging_fleet(sshd_server, tmp_path)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "current").unlink()  # `cat current/health` fails on every host
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/health"]
        await until(pilot, lambda: reading.last is not None, 60)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#auto-error-threshold", OneLine).render())
        summary = str(app.screen.query_one("#auto-summary").render())
    assert line.startswith("? blind  Critical error threshold exceeded · app/health = –"), line
    assert "2 not read" in line, line
    assert summary == "None has fired, and the blind one reads nothing: declare one by hand below."
