"""The question between waves fits 80x24 whatever the hosts' names: walked on a README
fleet of 200 real sshd hosts named like `checkout-frontend-eu-west-1b-prod-002` (waves of
1, 1, then the rest, `confirm`), the question before wave 3 named the hosts that
succeeded so far and three of the next wave's, a name a line, and the dialog ran past the
screen's foot: its hint (what Enter does, what y does) was cut off, and the question
could not be scrolled (only the probes under it did). The question now scrolls with the
probes under the buttons, and the hint, in view, says how. The names shown are at most
three of each wave, so six hosts show what 200 do. Real sshd, the console at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from console.model.loading import load_settings
from console.model.status import HostStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_refirings_sshd import PROBES
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = tuple(f"checkout-frontend-eu-west-1{'abc'[n % 3]}-prod-{n:03d}" for n in range(1, 10))
STRATEGIES = {
    "strategies": [
        {
            "name": "noop",
            "kind": "custom",
            "commands": {"action": "test ! -e broken"},
            "max_fail_percentage": 50,
            "waves": {"sizes": [3, 3, "100%"], "confirm": True},
        }
    ]
}


async def test_the_question_before_the_last_wave_scrolls_under_answers_in_view(
    sshd_server, tmp_path: Path
) -> None:
    files = {"procedure.toml": FLAG_PROCEDURE, "strategies.toml": STRATEGIES}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["noop"], probes=[PROBES[0]], hosts=HOSTS
    )
    for sandbox in fleet.sandboxes.values():
        (sandbox / "error_rate").write_text("0.01\n")
    (fleet.sandboxes[HOSTS[4]] / "broken").write_text("")  # one of wave 2 fails
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        await pilot.press("y")  # wave 2, then the question before wave 3
        await until(
            pilot,
            lambda: isinstance(app.screen, ConfirmDialog) and "Wave 2 of 3" in app.screen.question,
            60,
        )
        await pilot.pause()
        dialog = app.screen
        hint = dialog.query_one("#confirm-hint", Static)
        inside = dialog.query_one(".dialog").content_region  # within its borders
        assert hint.region.height and hint.region.bottom <= inside.bottom, (hint.region, inside)
        for button in dialog.query(Button):
            assert button.region.height and button.region.bottom <= inside.bottom, button.region
        said = str(hint.render())
        assert said.startswith("Enter or Esc: Stop here · y: Start wave 3"), said
        assert "↑ ↓ PgUp PgDn scroll" in said, said
        body = dialog.query_one("#confirm-body", VerticalScroll)
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        question = dialog.query_one("#confirm-body .dialog-text", Static)
        assert question.region.y >= body.region.y  # the question is in what scrolls
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown", "pagedown")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y  # the probes, at its end, reached
        assert isinstance(app.screen.focused, Button) and app.screen.focused.id == "no"
        await pilot.press("enter")  # Enter still stops here
        await until(pilot, lambda: not isinstance(app.screen, ConfirmDialog), 30)
        await until(pilot, lambda: not app.conductor.running, 30)
        step = app.conductor.state.step("restore")
        left = sorted(h for h, run in step.hosts.items() if run.status is HostStatus.NOT_STARTED)
        assert left == sorted(HOSTS[6:]), left  # wave 3 never started
