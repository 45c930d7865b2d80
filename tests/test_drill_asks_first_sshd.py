"""The console asks before a drill sends anything: its faults' commands and hosts, the
rollback and the integrity check, on real sshd at 80x24. Walked on a README fleet: one
Enter on the drills list injected the scenario's fault on a real host and walked the
procedure, every confirmation answered by the drill, with nothing shown first."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.drills import DrillsScreen
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_a_drill_says_what_it_sends_and_esc_sends_nothing(sshd_server, tmp_path: Path):
    fleet = staging_fleet(sshd_server, tmp_path)
    incidents = tmp_path / "incidents"
    app = build_app(load_settings(fleet.config), incidents)
    links = {h: (s / "current").readlink() for h, s in fleet.sandboxes.items()}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        detail = app.screen.query_one(".dialog-detail", Static)
        lines = [detail.render_line(y).text for y in range(detail.size.height)]
        said = " ".join(" ".join(lines).split())  # each value whole, wrapped under itself
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
        await pilot.pause(0.5)
        assert app.drills.running is None
    assert "fault deploy the bad release 1.1 on app: readlink current > .drill-was" in said, said
    assert "&& rm .drill-was" not in said  # the undo is not what it sends first
    assert "rollback release-rollback on app (2 host(s)), procedure scope" in said, said
    assert "integrity on every host of its systems: echo" in said and "wc -l < data.txt" in said
    assert not incidents.exists() or not list(incidents.glob("*/journal.jsonl"))  # nothing
    assert {h: (s / "current").readlink() for h, s in fleet.sandboxes.items()} == links
