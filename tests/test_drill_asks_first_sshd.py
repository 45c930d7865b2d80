"""The console asks before a drill sends anything: its faults' commands and hosts, the
rollback and the integrity check, on real sshd at 80x24. Walked on a README fleet: one
Enter on the drills list injected the scenario's fault on a real host and walked the
procedure, every confirmation answered by the drill, with nothing shown first."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from console.model.loading import load_settings
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.drills import DrillsScreen
from tests.test_drills_sshd import DRILLS, staging_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def drill_confirmation(app, pilot) -> str:
    """d, then Enter on the first scenario: the confirmation's detail, every line of it
    (scrolled or not), each value whole, wrapped under itself."""
    await pilot.press("d")
    await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
    detail = app.screen.query_one(".dialog-detail", Static)
    lines = [detail.render_line(y).text for y in range(detail.size.height)]
    return " ".join(" ".join(lines).split())


async def test_a_drill_says_what_it_sends_and_esc_sends_nothing(sshd_server, tmp_path: Path):
    fleet = staging_fleet(sshd_server, tmp_path)
    incidents = tmp_path / "incidents"
    app = build_app(load_settings(fleet.config), incidents)
    links = {h: (s / "current").readlink() for h, s in fleet.sandboxes.items()}
    async with app.run_test(size=(80, 24)) as pilot:
        said = await drill_confirmation(app, pilot)
        # what it leaves: a scheduled drill whose fault did not change the release found
        # its hosts a release back at its next run (docs/drills.md)
        assert app.screen.question.endswith(
            "its faults are undone when it ends, not its rollback: the hosts stay where that"
            " leaves them (docs/drills.md)."
        ), app.screen.question
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


def with_params(drills: dict, faults: int) -> dict:
    """DRILLS whose scenario names its strategy's target, with `faults` faults more (a
    long confirmation, as a restore's dozen parameters make one)."""
    scenario = copy.deepcopy(drills["scenarios"][0])
    scenario["params"] = {"target": "1.0"}
    scenario["faults"] += [
        {"name": f"mark {n}", "command": f"touch .drill-{n}", "undo": "true", "systems": ["app"]}
        for n in range(faults)
    ]
    return {**drills, "scenarios": [scenario]}


async def test_a_drill_names_its_parameters_and_its_answers_stay_in_view(
    sshd_server, tmp_path: Path
):
    """Walked at 80x24 (helper-147): the confirmation named each part's strategy, not the
    parameters it sends with (`target=previous`, a restore's backup path); and a long one
    (a restore's dozen parameters) pushed its buttons off the screen. Now it names them,
    those drills.toml gives first, and the detail scrolls (↑ ↓ PgUp PgDn) under buttons
    that stay in view."""
    fleet = staging_fleet(sshd_server, tmp_path, with_params(DRILLS, 8))
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        said = await drill_confirmation(app, pilot)
        assert "params target=1.0" in said, said
        yes = app.screen.query_one("#yes", Button)
        assert yes.region.bottom <= 24 and yes.region.height, yes.region  # in view
        scroll = app.screen.query_one("#confirm-body", VerticalScroll)
        assert scroll.max_scroll_y > 0 and scroll.scroll_y == 0
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        await pilot.pause()
        assert scroll.scroll_y == scroll.max_scroll_y  # the integrity check, at its end
        assert isinstance(app.screen.focused, Button) and app.screen.focused.id == "no"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
    assert not list((tmp_path / "incidents").glob("*/journal.jsonl"))  # nothing sent
