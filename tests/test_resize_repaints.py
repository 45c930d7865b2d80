"""A terminal resized under an incident screen is drawn again whole. Seen in tmux on a
real sshd fleet, the execution screen at 80x24 resized to 60x20 mid-step and back (and the
checklist so): the screen kept the old frame's lines (a grid row where the bar should be,
the output pane over the counts), the footer gone, until another screen was opened. The
incident screens took every Resize to the size they already had for the echo of their
first layout; a terminal resize had laid them out at the new size (the bar's clock)
before its Resize came, and Textual's handler, which lays the screen out again and
repaints the whole terminal, never ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Size

from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)


@pytest.mark.parametrize("tab", ["checklist", "execution"])
async def test_a_resize_and_back_reaches_textuals_handler(
    tab: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        app.action_go(tab)
        await until(pilot, lambda: getattr(app.screen, "TAB", None) == tab)
        await pilot.pause(0.3)  # its first layout, and that layout's echo, are done
        screen = app.screen
        handled: list[Size] = []
        own = screen._screen_resized  # Textual's (8.2.8, pinned): lays out, repaints all

        def resized(size: Size) -> None:
            handled.append(size)
            own(size)

        monkeypatch.setattr(screen, "_screen_resized", resized)
        await pilot.resize_terminal(60, 20)
        await until(pilot, lambda: Size(60, 20) in handled)
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: Size(80, 24) in handled)
        assert screen.size == Size(80, 24)
