"""Type-ahead across a screen push (console/ui/key_turns.py): keys typed in the same burst
as a key that opens a screen or dialog go to that screen, or are dropped; never to the
screen underneath, and never as the answer to a question not yet on screen. The keys go
in as a terminal sends them: one burst to the app, nothing awaited between them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from textual import events

from console.demo.fleet import DemoFleet
from console.model.events import Kind
from console.model.settings import Settings
from console.model.status import StepStatus
from console.model.triggers import TriggerKind
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import TextPrompt
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    demo_settings,
    on_the_current_step,
    until,
)
from tests.test_ui_typeahead import burst


def _at_halt_delivery(tmp_path: Path, settings: Settings | None = None):
    """The app over an incident on web whose current step is halt-delivery: a command
    step that changes every host and asks first (its command and host count, then y)."""
    settings = settings or demo_settings()
    engine = build_engine(settings, tmp_path)
    conductor = engine.new_incident("Checkout errors", incident_id=INCIDENT_ID)
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout fails")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback", {})
    conductor.confirm("open-bridge")
    conductor.confirm("stop-traffic-shift")
    conductor.skip("capture-evidence", "not part of this test")
    return build_app(settings, tmp_path, engine), conductor


async def _on_the_checklist(pilot, conductor) -> None:
    """The checklist shown, its cursor on the current step, drawn: what the commander
    sees before typing."""
    app = pilot.app
    app.attach(conductor)
    await app.push_screen("checklist")
    await on_the_current_step(pilot)
    await until(pilot, lambda: _settled(app))


def _settled(app) -> bool:
    """No key waiting its turn, the top screen drawn (`key_turns`)."""
    turns = getattr(app, "key_turns", None)
    return turns is None or turns.idle


def _kinds(conductor, since: int) -> list[Kind]:
    return [e.kind for e in conductor.recorder.events[since:]]


async def test_a_note_typed_right_after_n_is_the_note(tmp_path: Path) -> None:
    """`n` and the note typed in one burst (a paste, a fast typist): the text went to the
    checklist, which had the focus until the note's prompt was pushed, and the note was
    empty. The whole text is the note; the checklist's step is untouched."""
    app, conductor = _at_halt_delivery(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _on_the_checklist(pilot, conductor)
        since = len(conductor.recorder.events)
        burst(app, "n", "'wrong fleet'", "enter")

        def notes() -> list[str]:
            events = conductor.recorder.events[since:]
            return [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]

        await until(pilot, lambda: bool(notes()), timeout=10)
        assert notes() == ["wrong fleet"]
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        assert Kind.STEP_STARTED not in _kinds(conductor, since)
        assert conductor.state.step("halt-delivery").status is StepStatus.PENDING


async def test_a_filter_typed_right_after_slash_is_the_filter(tmp_path: Path) -> None:
    """`/` and the filter typed in one burst on the timeline: `/` focuses the filter, a
    focus Textual moves only once the callbacks queued by its binding run, and the next
    key was routed before that, to the event list (where s stars the selected event):
    '/skip' filtered on 'kip'. The whole text is the filter, nothing starred."""
    app, conductor = _at_halt_delivery(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        app.action_go("timeline")
        await until(pilot, lambda: getattr(app.screen, "TAB", None) == "timeline")
        await until(pilot, lambda: _settled(app))
        since = len(conductor.recorder.events)
        burst(app, "slash", "'skip'")
        field = app.screen.query_one("#timeline-filter")
        await until(pilot, lambda: app._message_queue.empty() and _settled(app))
        assert Kind.EVENT_STARRED not in _kinds(conductor, since)
        assert field.value == "skip", field.value


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("enter", "y"), id="enter-y"),
        pytest.param(("enter", "enter", "y"), id="enter-enter-y"),
        pytest.param(("p", "escape", "enter", "y"), id="preview-escape-enter-y"),
        pytest.param(("n", "'checked'", "enter", "enter", "y"), id="note-enter-enter-y"),
        pytest.param(("s", "'later'", "enter", "enter", "y"), id="skip-enter-y"),
        pytest.param(("f3", "escape", "enter", "y"), id="f3-escape-enter-y"),
        pytest.param(("f7", "escape", "enter", "y"), id="close-escape-enter-y"),
        pytest.param(("q", "escape", "enter", "y"), id="quit-escape-enter-y"),
        pytest.param(("f1", "escape", "enter", "y"), id="help-escape-enter-y"),
    ],
)
async def test_enter_in_the_burst_of_a_dialog_key_sends_nothing(
    tmp_path: Path, keys: tuple[str, ...]
) -> None:
    """On a step that changes hosts, a key that opens a screen or dialog, then Enter and
    y in the same burst: the y went to the checklist, which then matched it against the
    bindings of the confirmation Enter had opened in between, and ran the step on every
    host with its command and host count never drawn. Nothing is sent: the confirmation
    (if any) waits on screen, and the step did not start."""
    app, conductor = _at_halt_delivery(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _on_the_checklist(pilot, conductor)
        since = len(conductor.recorder.events)
        burst(app, *keys)
        for _ in range(2):  # and once more after what the keys started has run
            await until(pilot, lambda: app._message_queue.empty() and _settled(app))
            await pilot.pause(0.3)  # the step's worker, had it started, has intents by now
        kinds = _kinds(conductor, since)
        assert Kind.COMMAND_INTENT not in kinds
        assert Kind.STEP_STARTED not in kinds
        assert conductor.state.step("halt-delivery").status in (
            StepStatus.PENDING,
            StepStatus.SKIPPED,  # s, its reason, Enter: what was typed, in its prompt
        )
        assert not isinstance(app.screen, TextPrompt)  # nothing was left half typed


async def test_keys_typed_at_a_human_pace_are_unchanged(tmp_path: Path) -> None:
    """Each key once the screen before it is drawn: n, the note, Enter records the note;
    Enter opens the confirmation and y, once it is on screen, runs the step."""
    async with DemoFleet(demo_settings()) as fleet:
        app, conductor = _at_halt_delivery(tmp_path, fleet.settings)
        async with app.run_test(size=(80, 24)) as pilot:
            await _on_the_checklist(pilot, conductor)
            since = len(conductor.recorder.events)
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, TextPrompt) and _settled(app))
            await pilot.press(*"ok", "enter")
            await until(pilot, lambda: Kind.NOTE_ADDED in _kinds(conductor, since))
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen) and _settled(app))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm) and _settled(app))
            await pilot.press("y")
            step = lambda: conductor.state.step("halt-delivery")  # noqa: E731
            await until(pilot, lambda: step().status is StepStatus.DONE)
            assert all("not used" not in n.message for n in app._notifications)


@pytest.mark.tmux
def test_bursts_in_a_real_terminal(tmp_path: Path) -> None:
    """`rollback-console demo` in tmux at 80x24, each burst sent as one send-keys (one
    write to the terminal): `n`, a note and Enter record the whole note; on the step
    that changes hosts, Enter and y leave its confirmation on screen with nothing sent,
    the y said not used; y pressed once it is shown runs it."""
    from tests.test_ui_terminal import Tmux, journal_of

    tmux = Tmux(tmp_path)

    def kinds() -> list[tuple[str, str | None, str | None]]:
        lines = journal_of(tmp_path).read_text().splitlines()
        found = [json.loads(line) for line in lines if line.strip()]
        return [(e["kind"], e.get("where", {}).get("step"), e.get("data", {}).get("text"))
                for e in found]  # fmt: skip

    try:
        tmux.start("rollback-console demo; echo EXITED $?; sleep 60")
        tmux.declare()
        tmux.wait_for("Step 1 of")
        tmux.run("send-keys", "-t", "rc", "n", "wrong fleet", "Enter")
        tmux.wait_for("Note added")
        assert ("note.added", None, "wrong fleet") in [
            (k, None, t) for k, _, t in kinds() if k == "note.added"
        ]
        assert not any(k == "step.completed" for k, _, _ in kinds())  # Enter did no step
        for step in (1, 2, 3):  # two manual steps, then capture-evidence (read-only)
            tmux.keys("F2")
            tmux.wait_for(f"Step {step} of")
            tmux.keys("Enter")
            tmux.wait_for_step_done(step)
        tmux.keys("F2")
        tmux.wait_for("Step 4 of")
        tmux.run("send-keys", "-t", "rc", "Enter", "y")
        # said in one line under the dialog, its key line still in sight (a toast of four
        # lines hid it, and the buttons)
        screen = tmux.wait_for("Typed before it was shown, not used: y")
        assert "Run “Halt current delivery process” on 3 host(s)?" in screen
        assert "Enter or esc: Cancel · y: Run on 3 host(s)" in screen, screen
        time.sleep(1.0)  # y, had it been taken, would have started the step by now
        tmux.wait_for("Halt current delivery process” on 3 host(s)?")  # still asking
        assert not [s for k, s, _ in kinds() if k == "command.intent" and s == "halt-delivery"]
        tmux.keys("y")
        tmux.wait_for_step_done(4)
        assert [s for k, s, _ in kinds() if k == "command.intent" and s == "halt-delivery"]
    finally:
        tmux.kill()


async def _confirmation_shown(pilot, conductor) -> int:
    """The run's confirmation on screen, drawn, Cancel focused: the journal's length."""
    app = pilot.app
    await _on_the_checklist(pilot, conductor)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm) and _settled(app))
    return len(conductor.recorder.events)


async def _nothing_sent(pilot, conductor, since: int) -> None:
    app = pilot.app
    await until(pilot, lambda: app._message_queue.empty() and _settled(app))
    await pilot.pause(0.3)  # the step's worker, had it started, has intents by now
    kinds = _kinds(conductor, since)
    assert Kind.COMMAND_INTENT not in kinds and Kind.STEP_STARTED not in kinds, kinds
    assert conductor.state.step("halt-delivery").status is StepStatus.PENDING


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("enter", "y"), id="enter-y"),
        pytest.param(("enter", "enter"), id="enter-enter"),
    ],
)
async def test_enter_on_a_confirmation_on_screen_answers_before_the_keys_behind_it(
    tmp_path: Path, keys: tuple[str, ...]
) -> None:
    """Cancel focused, Enter then y (or Enter twice) typed fast: Enter answers in its own
    turn (Button's press is handled later, once the keys behind it may have answered):
    nothing is sent, and the checklist is still there under what follows."""
    app, conductor = _at_halt_delivery(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        since = await _confirmation_shown(pilot, conductor)
        burst(app, *keys)
        await _nothing_sent(pilot, conductor, since)
        assert isinstance(app.screen, (ChecklistScreen, RunConfirm)), app.screen
        assert any(isinstance(s, ChecklistScreen) for s in app.screen_stack), app.screen_stack


async def test_a_key_read_with_the_enter_is_no_answer_however_late_it_reaches_the_app(
    tmp_path: Path,
) -> None:
    """`Enter y` read from the terminal at once, the y held in the driver's thread (the
    GIL, a loaded CPU) until the confirmation Enter opened was on the terminal: seen in CI,
    the y was taken as typed at it and the step ran on 3 hosts. What a key was typed at is
    told by when it was read (`event.time`, stamped by the driver), so it is dropped, and
    said."""
    app, conductor = _at_halt_delivery(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _on_the_checklist(pilot, conductor)
        since = len(conductor.recorder.events)
        late_y = events.Key("y", "y")  # read with the Enter, before the question came up
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm) and _settled(app))
        app.post_message(late_y)
        await _nothing_sent(pilot, conductor, since)
        assert isinstance(app.screen, RunConfirm), app.screen
        assert any("not used: y" in n.message for n in app._notifications)


async def test_a_confirmation_takes_its_first_answer_only(tmp_path: Path) -> None:
    """Two answers reaching the run's confirmation (a click's late press behind a key's
    answer): the second ran the answer's callback again and popped the checklist
    beneath. The first is the only one."""
    app, conductor = _at_halt_delivery(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        since = await _confirmation_shown(pilot, conductor)
        dialog = app.screen
        dialog.dismiss(False)
        dialog.dismiss(True)
        await _nothing_sent(pilot, conductor, since)
        assert isinstance(app.screen, ChecklistScreen), app.screen
