"""What a screen hides is not redrawn: events redraw the parts of the top screen they change."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.home import HomeScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)


async def test_home_under_an_incident_screen_never_redraws_the_whole_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home, beneath the execution screen, hears every batch of journal events; in
    Textual's way it counted as showing through, and each batch redrew the whole top
    screen (the largest cost on the UI's loop at 200 hosts streaming)."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        home = app.screen
        assert isinstance(home, HomeScreen)
        await app.push_screen("execution")
        await pilot.pause(0.1)
        top = app.screen
        assert not home.is_current and top.is_current
        compositor = top._compositor
        full_redraws: list[int] = []
        render_full_update = compositor.render_full_update

        def counted(*args, **kwargs):
            full_redraws.append(1)
            return render_full_update(*args, **kwargs)

        monkeypatch.setattr(compositor, "render_full_update", counted)
        for i in range(10):
            app.prepared.note(f"note {i}")
            await pilot.pause(0.05)
        await until(pilot, lambda: not app._pending)
        await pilot.pause(0.1)
        assert full_redraws == []

        app.prompt_note()  # a dialog shows the screen beneath through its backdrop
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert top.is_current and not home.is_current
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is top)
        app.pop_screen()
        await until(pilot, lambda: app.screen is home)
        assert home.is_current
