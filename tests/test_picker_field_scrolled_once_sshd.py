"""A parameter Tab moves to is scrolled into view at once, before the keys typed behind
the Tab reach it. Seen in tmux at 80x24 on init's version-rollback (six parameters, the
side pane scrolled): Tab to `target`, then Tab Tab, 40 Backspaces, `true`, Tab, 50
Backspaces, `true` sent in one go; `check` got its new value, but it was drawn under the
`running:` label, `check` itself left showing the value before (the next Tab redrew it).
Textual scrolls a focused widget to the centre of its pane after a refresh, animated:
the pane went on scrolling (5, 18, then 9 rows) while the keys typed behind Tab changed
the field. Real OpenSSH sshd behind the picker's check."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from console.model.loading import load_settings
from console.ui.screens.picker_side import SidePane
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE
from tests.test_picker_burst_terminal_sshd import ROLLBACK
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    until,
)
from tests.test_ui_typeahead import burst

pytestmark = pytest.mark.sshd


async def test_the_pane_is_still_while_the_keys_behind_tab_edit_the_field(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": ROLLBACK, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["version-rollback"], probes=[])
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space")
        await until(pilot, lambda: bool(app.screen.query(".strategies")))
        side = app.screen.query_one(SidePane)
        fields = {i.name: i for i in app.screen.query(".param").results(Input)}
        await pilot.press("tab", "tab", "tab", "tab")  # the strategy, target, current, restart
        await until(pilot, lambda: app.focused is fields["restart"])
        scrolled: list[tuple[float, str]] = []  # where the pane went, and check's value then
        app.screen.watch(side, "scroll_y", lambda y: scrolled.append((y, fields["check"].value)))
        default = fields["check"].value
        burst(app, "tab", *["backspace"] * 50, "t", "r", "u", "e")
        await until(pilot, lambda: fields["check"].value == "true")
        await pilot.pause(0.5)  # an animation would go on
        assert app.focused is fields["check"]
        moved_under_keys = [(y, value) for y, value in scrolled if value != default]
        assert not moved_under_keys, scrolled
        check = fields["check"].region
        assert side.region.contains_region(check), (side.region, check)
