"""An action item's fields show what is typed in them whole, at 80x24. Seen walking the
post-rollback form (F5): the ticket field was 8 cells wide, so `OPS-1234` typed into it
read `PS-1234` with the cursor at its end, a value nobody typed; the due date (10
characters in 13 cells) had room to spare."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from console.ui.screens.form import FormScreen
from console.ui.widgets.action_items import ActionItemRow
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    type_text,
    until,
)

TYPED = {
    "owner": "rb222ic",
    "priority": "P1",
    "due": "2026-12-14",
    "ticket": "OPS-1234",
}


async def test_typical_values_read_whole_while_typed_at_80x24(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    shown: dict[str, str] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        row = app.screen.query_one(ActionItemRow)
        for column, value in TYPED.items():
            field = row.query_one(f".item-{column}", Input)
            field.focus()
            await until(pilot, lambda f=field: f.has_focus)
            await type_text(pilot, value)
            assert field.value == value
            shown[column] = field.render_line(0).text.strip()  # the cursor at its end
        row_width = row.size.width
    assert shown == TYPED, shown
    assert row_width <= 80, row_width
