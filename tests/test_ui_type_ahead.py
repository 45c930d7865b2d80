"""Keys typed ahead act in the order they were typed, and where they were meant: Enter
on the checklist waits for an F-key typed before it, rather than acting first as a
priority binding would; Enter typed as a dialog opens does what the dialog says."""

from __future__ import annotations

from pathlib import Path

from textual import events

from console.demo.fleet import DemoFleet
from console.model.outcome import Outcome
from console.model.procedure import StepKind
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.close import CloseDialog
from console.ui.screens.form import FormScreen
from console.ui.widgets.screen_enter import RowTable, StepList
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
)


async def test_enter_after_f2_opens_the_form_and_stays(tmp_path: Path) -> None:
    """F2 then Enter, both queued before either is handled: F2 (already on the
    checklist) changes nothing, then Enter opens the current form step, which stays
    open. With Enter as a priority binding the form opened first and the late F2 put
    the checklist back over it: a step the commander asked for, gone from the screen."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            conductor = app.conductor
            while (step := conductor.current()) is not None and step.kind is not StepKind.FORM:
                conductor.skip(step.id, "not part of this test")
            await pilot.pause(0.1)
            assert isinstance(app.screen, ChecklistScreen)
            app.post_message(events.Key("f2", None))
            app.post_message(events.Key("enter", None))
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.pause(0.3)
            assert isinstance(app.screen, FormScreen)


async def test_enter_typed_as_the_close_dialog_opens_closes(tmp_path: Path) -> None:
    """Enter typed before the dialog was drawn is not its answer (console/ui/key_turns.py:
    the dialog stays, and says the key was not used); Enter once it is on screen closes,
    as Enter on the focused choice does, never RadioSet's toggle of the chosen outcome
    again, which left the dialog open (seen in CI at 80x24)."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            conductor = app.conductor
            # Aborted, its reason offered (nothing was run: partially rolled back is
            # refused since a34ee641, no strategy step having sent anything)
            app.push_screen(CloseDialog(Outcome.ABORTED, [], why="the delivery was halted"))
            app.post_message(events.Key("enter", None))
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            await until(pilot, lambda: any("not used" in n.message for n in app._notifications))
            assert not conductor.state.closed
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.closed)
            assert conductor.state.outcome == Outcome.ABORTED
            assert not isinstance(app.screen, CloseDialog)


async def test_a_reason_typed_on_the_suggested_outcome_is_kept_whole(tmp_path: Path) -> None:
    """The close dialog suggests an outcome that needs a reason, its choice focused. Enter
    says the reason is missing and hands over to its field; text typed on the choice goes
    there too. Before, the first word typed went nowhere (seen in tmux: "checkout tried
    by hand" recorded as "tried by hand"), and a space in it re-toggled the choice."""
    from textual.widgets import Input, RadioSet

    from console.model.status import StepStatus

    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            conductor = app.conductor
            app.push_screen(CloseDialog(Outcome.NOT_NEEDED, []))
            await until(pilot, lambda: isinstance(app.screen.focused, RadioSet))
            await pilot.press("enter")
            error = app.screen.query_one("#close-error")
            await until(pilot, lambda: "needs a reason" in str(error.render()))
            assert isinstance(app.screen.focused, Input)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, CloseDialog))
            app.push_screen(CloseDialog(Outcome.NOT_NEEDED, []))
            await until(pilot, lambda: isinstance(app.screen.focused, RadioSet))
            await pilot.press(*"load", "space", *"test", "enter")
            await until(pilot, lambda: conductor.state.closed)
            assert conductor.state.outcome_label == "not needed (false alarm): load test"
            assert conductor.state.step("open-bridge").status is StepStatus.PENDING


def test_the_lists_leave_enter_to_their_screen() -> None:
    """The checklist's steps and the drills' scenarios do not select on Enter: the
    screen's binding does the step or runs the drill, in its turn."""
    assert StepList().check_action("select", ()) is False
    assert RowTable().check_action("select_cursor", ()) is False
    assert StepList().check_action("cursor_down", ()) is not False


async def test_tab_after_choosing_a_trigger_stays_in_its_reason(tmp_path: Path) -> None:
    """Space on a trigger hands the focus to its reason; a Tab typed next, out of a form's
    habit, must not move on to the commander's name: the reason typed after it replaced
    the name there (seen in tmux at 80x24: commander 'nginx 502s after config push', reason
    empty). A Tab once the reason holds text moves on as ever."""
    from textual.widgets import Input

    from console.ui.screens.trigger import TriggerScreen

    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            commander = app.screen.query_one("#commander", Input)
            name = commander.value
            for key in ("down", "space", "tab"):  # typed faster than the screen answers
                app.post_message(events.Key(key, None))
            await pilot.press(*"502s")
            reason = app.screen.query_one("#reason", Input)
            await until(pilot, lambda: reason.value == "502s")
            assert commander.value == name and reason.has_focus
            await pilot.press("tab")
            await until(pilot, lambda: commander.has_focus)
            assert reason.value == "502s" and commander.value == name
