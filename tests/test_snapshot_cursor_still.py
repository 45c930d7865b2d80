"""What a snapshot takes of a dialog does not depend on when it is taken. The
`notify-dialog` snapshots failed now and then at -n 2 under load: the status update's
message (a TextArea) drew its cursor at its end, or not, as its blink timer had toggled it
(every 0.5 s) before the screenshot; the tests' fixture stopped only an Input's blink."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TextArea

from tests.test_ui_snapshots import _notify_dialog
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
)


def _drawn(app) -> list[str]:
    """The screen as drawn, each cell's style with it (a cursor is a style)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(f"{seg.style}{seg.text}" for seg in strip) for strip in strips]


async def test_the_status_update_s_cursor_does_not_blink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await _notify_dialog(pilot)
        [area] = app.screen.query(TextArea)
        assert area.has_focus
        first = _drawn(app)
        await pilot.pause(0.6)  # more than one blink of a blinking cursor (0.5 s)
        assert _drawn(app) == first
