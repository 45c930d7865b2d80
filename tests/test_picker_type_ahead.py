"""Keys that go on from the picker, typed before it was drawn, declare nothing: going on
records the incident and claims its systems' locks on what the picker holds then, which
the commander has not seen. Seen in tmux at 80x24: the reason's Enter, then Space and
Enter typed in the same burst: that second Enter went on from a picker never drawn
(refused there only because its Space had gone astray; a system an automatic trigger's
proposal preselects needs no Space). The picker still takes the rest of what is typed
ahead (Space, Tab, a filter), and an Enter typed once it is shown goes on."""

from __future__ import annotations

from pathlib import Path

from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from tests.test_ui_key_turns import _settled
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    type_text,
    until,
)
from tests.test_ui_typeahead import burst


async def _reason_typed(pilot) -> None:
    """A new incident's trigger chosen and its reason typed, its Enter not yet."""
    await pilot.press("n")
    await until(pilot, lambda: isinstance(pilot.app.screen, TriggerScreen))
    await pilot.press("down", "enter")
    await type_text(pilot, "checkout errors")


async def test_enter_typed_before_the_picker_was_drawn_declares_nothing(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _reason_typed(pilot)
        declaration = app.screen.declaration()
        # As the trigger screen opens it for a proposal (its system preselected), and an
        # Enter typed in the same burst as the key that opened it.
        app.push_screen(PickerScreen(preselect=["web"], declaration=declaration))
        burst(app, "enter", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, TriggerScreen) and _settled(app))
        await pilot.pause(0.2)
        assert app.conductor is None, f"declared from a picker never drawn: {app.screen}"
        assert isinstance(app.screen, PickerScreen)
        said = [n.message for n in app._notifications]
        assert any("not used: enter ctrl+s" in m for m in said), said
        await pilot.press("enter")  # typed at the picker shown: it goes on
        await until(pilot, lambda: app.conductor is not None)
        assert app.conductor.state.systems == ["web"]


async def test_a_space_typed_with_the_reasons_enter_picks_on_the_picker(tmp_path: Path) -> None:
    """The reason's Enter, then Space and Enter in one burst, as seen in tmux: the Space went
    into the reason (the picker that Enter opens came up only once the screen had acted on
    the Enter, after the Space had been given to the reason), and the picker never had it.
    Now the Space picks the first system on the picker; the Enter typed ahead is said and
    not used."""
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _reason_typed(pilot)
        burst(app, "enter", "space", "enter")
        await until(pilot, lambda: not isinstance(app.screen, TriggerScreen) and _settled(app))
        await pilot.pause(0.2)
        assert isinstance(app.screen, PickerScreen) and app.conductor is None, app.screen
        assert app.screen.declaration.reason == "checkout errors"
        assert app.screen.systems() == ["web"]
        assert any("not used: enter" in n.message for n in app._notifications)
