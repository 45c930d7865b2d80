"""A toast never covers a dialog opened after it: at 80x24 the form's "Saved" toast, up as
F7 opened the close dialog, hid the right half of its outcomes and of the reason that goes
into the record. It waits until the dialog closes, then shows for its whole time."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from console.ui.screens.close import CloseDialog
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    type_text,
    until,
)


def toasts(app) -> list[str]:
    """The toasts drawn on the current screen, as their text."""
    return [str(t.render()) for t in app.screen.query(Toast) if t.parent and t.parent.display]


async def test_the_forms_saved_toast_waits_until_the_close_dialog_is_gone(tmp_path: Path):
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_incident(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: type(app.screen).__name__ == "FormScreen")
        await pilot.press("tab")
        await type_text(pilot, "SEV2")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("Saved." in t for t in toasts(app)))
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.3)
        assert toasts(app) == []
        app.notify("raised while the dialog is up: about it")  # shown over it, as before
        await until(pilot, lambda: toasts(app) == ["raised while the dialog is up: about it"])
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CloseDialog))
        await until(pilot, lambda: any("Saved." in t for t in toasts(app)))


async def test_a_toast_held_once_is_shown_again_once(tmp_path: Path):
    """Seen at 80x24 on a real fleet, resumed: the "Resumed" toast, held while the note
    dialog was open and shown again once it closed, was held by the next dialog too and
    came back after it, for its whole time again, after every dialog opened while it was
    up. A toast shown again is gone with the next dialog; one raised since is held as
    before."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_incident(pilot)
        app.notify("said before any dialog", timeout=60)
        await until(pilot, lambda: toasts(app) == ["said before any dialog"])
        for shown_again in (True, False):
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            await pilot.pause(0.3)
            assert toasts(app) == []
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CloseDialog))
            await pilot.pause(0.3)
            assert toasts(app) == (["said before any dialog"] if shown_again else [])
        app.notify("said after", timeout=60)  # a new one: held, then shown again
        await until(pilot, lambda: toasts(app) == ["said after"])
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.3)
        assert toasts(app) == []
        await pilot.press("escape")
        await until(pilot, lambda: toasts(app) == ["said after"])
