"""An action item given with its action alone is taken headless as the console's form
takes it. Seen: `run --form action_items="Add test"` on a real fleet was refused, exit 2
('write an action item as ACTION | TYPE | ...'), where the form (F5) took the same row,
typed in its action field with the type it starts on. Here both record it: a headless run
on a real sshd, and the console's form at 80x24, the same action item."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from console.journal.store import read_journal
from console.model.state import fold
from console.ui.screens.form import FormScreen
from console.ui.widgets.action_items import ActionItemRow
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES, run
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    type_text,
    until,
)

pytestmark = pytest.mark.sshd

ADDED = {"action": "Add test", "owner": "", "priority": "", "due": "", "ticket": ""}


async def test_an_action_alone_is_taken_headless_as_the_form_takes_it(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    result = run(fleet, "--yes", "--form", "action_items=Add test")
    assert result.returncode == 0, result.stdout + result.stderr
    headless = fold(read_journal(fleet.state / "incident").events).action_items

    app = build_app(demo_settings(), tmp_path / "console")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        app.screen.query_one(ActionItemRow).query_one(".item-action", Input).focus()
        await pilot.pause(0.1)
        await type_text(pilot, "Add test")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(app.conductor.state.action_items))
        console = app.conductor.state.action_items

    assert headless == console == [{**ADDED, "type": "prevent"}], (headless, console)
