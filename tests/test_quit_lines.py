"""What quitting says speaks of what the commander left: a declaration nothing of which is
recorded is not an incident closed before it, and another strategy being picked for an
open incident is not a declaration."""

from __future__ import annotations

from pathlib import Path

from console.model.outcome import Outcome
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.home import HomeScreen
from console.ui.screens.picker import PickerScreen
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    demo_settings,
    open_incident,
    press_to_end,
    until,
)


async def test_quitting_a_new_declaration_does_not_speak_of_the_incident_closed_before(
    tmp_path: Path,
) -> None:
    """Seen at the console: an incident closed, n, a trigger and a reason typed, Ctrl+Q
    from the picker: the line left on the terminal was the closed incident's ("...:
    closed, not needed (false alarm); to amend, resume with: ..."), as if that were
    what had just been left."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.close(Outcome.NOT_NEEDED, reason="the alert was a test")
        app.to_home()
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await declare_and_pick(pilot, "checkout errors again")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        said = str(app.screen.query_one(".dialog-text").render())
        assert "not declared yet" in said
        await press_to_end(pilot, "y")
    assert app.return_code == 0
    summary = app.summary()
    assert INCIDENT_ID not in summary and "to amend" not in summary, summary
    assert summary == "rollback-console: the incident being declared was not recorded", summary


async def test_quitting_while_another_strategy_is_picked_speaks_of_the_open_incident(
    tmp_path: Path,
) -> None:
    """b on the execution screen opens the picker for the open incident: quitting there
    asked as if the incident were not declared yet ("what you chose and typed is not
    recorded"), though it was open, and stays so."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.push_screen(PickerScreen(preselect=list(app.conductor.state.systems)))
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        said = str(app.screen.query_one(".dialog-text").render())
        assert "not declared yet" not in said, said
        assert f"{INCIDENT_ID} stays open" in said, said
        await press_to_end(pilot, "y")
    assert app.summary().startswith(f"{INCIDENT_ID}: open at step 1 of 14")


async def test_quitting_a_new_declaration_still_says_how_to_resume_the_open_one(
    tmp_path: Path,
) -> None:
    """An incident left open at the home screen, a new one being declared: the line says
    the declaration was not recorded, then how to take the open one up again."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.to_home()
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await declare_and_pick(pilot, "another one")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await press_to_end(pilot, "y")
    first, second = app.summary().splitlines()
    assert first == "rollback-console: the incident being declared was not recorded"
    assert second.startswith(f"earlier: {INCIDENT_ID}: open at step 1 of 14"), second
