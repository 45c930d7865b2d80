"""Shared helpers for the UI tests: fixed clock, fixed names, a keys-only driver."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.engine.session import Engine
from console.model.clock import FixedClock
from console.model.events import Actor, Kind
from console.model.loading import load_settings
from console.model.procedure import FormField
from console.model.settings import Settings
from console.model.status import StepStatus
from console.model.triggers import TriggerKind
from console.paths import demo_config
from console.ui.app import RollbackApp, make_app
from console.ui.widgets.key_footer import KeyFooter

START = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
ACTOR = Actor(user="commander")
INCIDENT_ID = "20260314-093000-demo"


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blinking cursors make screenshots depend on timing: an Input's, and a TextArea's
    (the status update's message: `notify-dialog` drew its cursor or not as the blink
    had toggled it when the screenshot was taken, tests/test_snapshot_cursor_still)."""
    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


def demo_settings() -> Settings:
    return load_settings(demo_config())


_ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
async def _close_engines():
    """Engines run SSH I/O in a thread of their own, as in the TUI: stop it after each test."""
    yield
    while _ENGINES:
        await _ENGINES.pop().close()


def build_engine(settings: Settings, root: Path) -> Engine:
    """An engine as the TUI has it (SSH I/O on its own loop), closed after the test.
    Given the test's own tmp_path, its locks go to the test's state dir: the parent's
    `locks/` is the pytest worker's, where an incident an earlier test left open refused
    this test's (`system 'web' is locked: incident 20260314-093000-demo ...`)."""
    state = Path(os.environ["ROLLBACK_CONSOLE_STATE"])
    lock_dir = state / "locks" if root.parent == state.parent else None
    engine = Engine(
        settings,
        root,
        clock=FixedClock(START),
        actor=ACTOR,
        lock_dir=lock_dir,
        threaded_io=True,
    )
    _ENGINES.append(engine)
    return engine


def build_app(
    settings: Settings,
    root: Path,
    engine: Engine | None = None,
    *,
    sample_probes: bool = False,
    check_reach: bool = False,
) -> RollbackApp:
    """The app over a journal root, with a clock that shows 0:12:34 elapsed and never moves.
    It talks to hosts in the background (probes, reachability) only when asked to."""
    engine = engine or build_engine(settings, root)
    screen_clock = FixedClock(START + timedelta(minutes=12, seconds=34), tick=timedelta(0))
    return make_app(
        settings,
        engine,
        screen_clock,
        incident_id=INCIDENT_ID,
        sample_probes=sample_probes,
        check_reach=check_reach,
    )


async def until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait (bounded) until `condition()` holds, letting the app run; then until the
    screen on top has been drawn and no key waits its turn (console/ui/key_turns.py): a
    key pressed next is one typed at a screen the commander sees, not type-ahead (which a
    confirmation drops)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    turns = getattr(pilot.app, "key_turns", None)
    while not (condition() and (turns is None or turns.idle)):
        if loop.time() > deadline:
            raise AssertionError(
                f"timed out after {timeout} s on {pilot.app.screen!r}: {condition.__code__.co_firstlineno}"
            )
        await pilot.pause(0.05)


async def open_assessment(app: App, pilot: Pilot) -> None:
    """From the checklist, F3 then i: the execution screen's assessment (and integrity)
    screen on top."""
    from console.ui.screens.assessment import AssessmentScreen

    await pilot.press("f3")
    await until(pilot, lambda: app.screen is app.get_screen("execution"))
    await pilot.press("i")
    await until(pilot, lambda: isinstance(app.screen, AssessmentScreen))


async def until_quit(app: App, timeout: float = 20.0) -> None:
    """Wait (bounded) until the app has quit: not through the pilot, whose pause waits for
    the screen on top to take its messages, which a screen torn down by the quit may
    never do (WaitForScreenTimeout, 1 run in 7 of test_handover_asked)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.return_code is None:
        if loop.time() > deadline:
            raise AssertionError(f"the app did not quit within {timeout} s: {app.screen!r}")
        await asyncio.sleep(0.05)


async def close_anyway(pilot: Pilot, reason: str) -> None:
    """In the close dialog while a host is unknown: `reason` typed, Enter says what stays
    held and closes nothing, F7 closes anyway."""
    await type_text(pilot, reason)
    await pilot.press("enter")
    await until_shown(pilot, "#close-error", "F7 closes anyway")
    assert not pilot.app.conductor.state.closed
    await pilot.press("f7")
    await until(pilot, lambda: pilot.app.conductor.state.closed)


async def until_shown(pilot: Pilot, selector: str, text: str, timeout: float = 20.0) -> str:
    """Wait (bounded) until the current screen's `selector` shows `text`; what it shows.
    A widget is drawn anew at its screen's next sync, after the state it shows has
    changed: one fixed pause before reading it is a race under load."""

    def shown() -> str:
        return str(pilot.app.screen.query_one(selector).render())

    wanted = " ".join(text.split())  # as wrapped or not
    await until(pilot, lambda: wanted in " ".join(shown().split()), timeout)
    return shown()


async def press_to_end(pilot: Pilot, key: str, timeout: float = 20.0) -> None:
    """Press a key that ends the app, and wait (bounded) until it has. Pilot.press waits
    for the animator afterwards, which an app that has already exited never finishes: a
    hang seen under load, with the app long gone. The key is posted as the terminal's
    driver posts it."""
    app = pilot.app
    app.post_message(events.Key(key, None))
    deadline = asyncio.get_running_loop().time() + timeout
    while app.return_code is None:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the app did not end after {key} in {timeout} s")
        await asyncio.sleep(0.02)


async def footer_keys(pilot: Pilot) -> list[str]:
    """What the footer shows, key and description, in order, once it is drawn."""
    footer = pilot.app.screen.query_one(KeyFooter)
    await until(pilot, lambda: bool(footer.query("FooterKey")))
    return [f"{k.key_display} {k.description}".strip() for k in footer.query("FooterKey")]


async def toasts_once(pilot: Pilot, title: str) -> list[tuple[str, str]]:
    """The toasts shown, (title, message) each, once one titled `title` is among them: a
    step's toast comes after its worker's last await, a moment after the conductor says
    the step no longer runs."""
    shown = pilot.app._notifications
    await until(pilot, lambda: any(n.title == title for n in shown))
    return [(n.title, n.message) for n in shown]


async def type_text(pilot: Pilot, text: str) -> None:
    """`text` typed as a fast typist types it: its keys sent in one burst, as the terminal
    sends them, each then taken in its turn by the focused widget (console/ui/key_turns.py),
    and waited for until the last has been handled. Pilot.press waits for the app to idle
    after every key (~50 ms a key, up to 1 s with SSH I/O in the process); a test of how
    text is typed key by key, slowly, calls `type_slowly`."""
    app = pilot.app
    for character in text:
        app.post_message(events.Key(_character_to_key(character), character))
    await pilot.pause()  # the app has taken the keys from its queue (to KeyTurns)
    await until(pilot, lambda: True)  # ... and the last of them has been handled


async def type_slowly(pilot: Pilot, text: str) -> None:
    """`text` typed key by key, as a slow typist types it: each key sent as the terminal's
    driver sends it, the next only once KeyTurns (console/ui/key_turns.py) has routed it
    to the focused widget and it has been handled there, its bindings too. Pilot.press
    waited for the same, then for the process's CPU to go quiet, twice a key (41 s of
    test_ui_flow's 83 s at load 10)."""
    app = pilot.app
    turns = app.key_turns  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    for character in text:
        turn = turns._turn
        app.post_message(events.Key(_character_to_key(character), character))
        deadline = loop.time() + 20.0
        while turns._turn == turn or not turns.idle:  # routed, then handled
            if loop.time() > deadline:
                raise AssertionError(f"{character!r} not handled in 20 s on {app.screen!r}")
            await asyncio.sleep(0.001)
    await pilot.pause()  # what the last key set off has been taken, as after Pilot.press


async def declare_and_pick(pilot: Pilot, reason: str) -> None:
    """N, the first manual trigger with `reason`, on to the picker (keys only)."""
    from console.ui.screens.picker import PickerScreen
    from console.ui.screens.trigger import TriggerScreen

    await pilot.press("n")
    await until(pilot, lambda: isinstance(pilot.app.screen, TriggerScreen))
    await pilot.press("down", "enter")
    await type_text(pilot, reason)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, PickerScreen))


def _run_on_hosts(conductor, step_id: str, results: dict[str, tuple[str, int, str]]) -> None:
    """Record a step's run on hosts without SSH: (stage, exit status, output) per host."""
    record = conductor.recorder.record
    step = conductor.step(step_id)
    data = {"title": step.title, "phase": conductor.settings.procedure.phase_of(step_id).value}
    record(Kind.STEP_STARTED, step=step_id, hosts=list(results), attempt=1, **data)
    for host, (stage, status, line) in results.items():
        where = {"system": "web", "host": host, "step": step_id}
        record(Kind.COMMAND_INTENT, command=f"sh -c {stage}", stage=stage, attempt=1, **where)
        record(
            Kind.COMMAND_OUTPUT, stream="stdout", lines=["current release: 2.4.1", line], **where
        )
        if status is None:
            continue
        result = {"exit_status": status, "duration": 0.25}
        if status:
            result |= {"failure": "non-zero exit", "detail": f"exit status {status}"}
        record(Kind.COMMAND_RESULT, stage=stage, final=True, **result, **where)


def under_way(settings: Settings, root: Path, incident_id: str | None = None):
    """An incident on web, version-rollback, its first two manual steps confirmed."""
    engine = build_engine(settings, root)
    conductor = engine.new_incident("Checkout errors after 2.4.1", incident_id=incident_id)
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout fails for 30% of users")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback", {})
    conductor.confirm("open-bridge")
    conductor.confirm("stop-traffic-shift")
    return engine, conductor


def populated(settings: Settings, root: Path):
    """An incident half way through the restore step, recorded with a fixed clock."""
    engine, conductor = under_way(settings, root, INCIDENT_ID)
    ok = ("run", 0, "error_rate=0.31")
    for step_id in ("capture-evidence", "assess-state"):
        _run_on_hosts(conductor, step_id, {h: ok for h in ("web-1", "web-2", "web-3")})
        conductor.recorder.record(
            Kind.STEP_COMPLETED,
            step=step_id,
            status="done",
            summary="3 succeeded",
            title=conductor.step(step_id).title,
            phase=conductor.settings.procedure.phase_of(step_id).value,
        )
        if step_id == "capture-evidence":
            conductor.skip("halt-delivery", "the pipeline was already paused by release management")
    conductor.note("bridge open on #inc-checkout", "open-bridge")
    conductor.confirm("initiate")
    _run_on_hosts(
        conductor,
        "restore",
        {
            "web-1": ("verify", 0, "healthy on 2.4.0"),
            "web-2": ("action", 3, "no release to roll back to from 2.4.1"),
            "web-3": ("action", None, "service restarted on 2.4.0"),
        },
    )
    conductor.star(conductor.state.last_seq - 2)
    conductor.set_field(FormField.REASON, "web 2.4.1 broke checkout", "document-reason")
    return engine, conductor


ENDED = (StepStatus.DONE, StepStatus.FAILED, StepStatus.SKIPPED)


async def on_the_current_step(pilot: Pilot) -> None:
    """Wait (bounded) until the checklist is shown with its cursor on the current step,
    where Enter acts: the checklist moves it there at its sync, after the step before
    has ended (after a fixed pause, under load, Enter could act on the step before)."""
    from console.ui.screens.checklist import ChecklistScreen

    app = pilot.app

    def there() -> bool:
        screen, current = app.screen, app.conductor.current()
        if not isinstance(screen, ChecklistScreen) or current is None:
            return False
        highlighted = screen.highlighted_step()
        return highlighted is not None and highlighted.id == current.id

    await until(pilot, there)


async def do_current_step(pilot: Pilot) -> str:
    """From any incident screen: Enter on the checklist's current step, answering what it
    asks (y for a step that changes hosts, Enter for a status update's message), until it
    has ended. The step's id."""
    from console.ui.screens.confirm_run import RunConfirm
    from console.ui.screens.notify_dialog import NotifyDialog

    app = pilot.app
    conductor = app.conductor
    step = conductor.current()
    await pilot.press("f2")
    await on_the_current_step(pilot)
    await pilot.press("enter")
    if step.asks:  # it shows its command and host count, and asks
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
    elif step.kind.value == "notify":  # it shows its message, to edit
        await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
        await pilot.press("enter")
    await until(pilot, lambda: conductor.state.step(step.id).status in ENDED)
    return step.id


async def open_incident(pilot: Pilot, reason: str = "checkout errors") -> None:
    """Home -> new incident -> user impact + reason -> the whole `web` system -> checklist."""
    await declare_and_pick(pilot, reason)
    await pilot.press("space", "enter")
    await until(pilot, lambda: type(pilot.app.screen).__name__ == "ChecklistScreen")
    await pilot.pause(0.1)


async def start_evidence_step(pilot: Pilot) -> None:
    """From the checklist of a new incident: confirm the two manual steps, then start
    the first command step (capture-evidence, on every host of `web`)."""
    conductor = pilot.app.conductor
    await pilot.press("enter", "enter")
    await until(pilot, lambda: conductor.current().id == "capture-evidence")
    await on_the_current_step(pilot)
    await pilot.press("enter")


def populated_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RollbackApp:
    """The app over `populated`'s incident (as `app.prepared`), under a relative journal
    root, so paths on screen are stable."""
    monkeypatch.chdir(tmp_path)
    settings = demo_settings()
    engine, conductor = populated(settings, Path("incidents"))
    app = build_app(settings, Path("incidents"), engine)
    app.prepared = conductor  # type: ignore[attr-defined]
    return app


async def run_confirm_about(pilot: Pilot) -> str:
    """Once a step's run confirmation is on screen, what it says the run does, in one line."""
    from textual.widgets import Static

    from console.ui.screens.confirm_run import RunConfirm

    def about() -> Static | None:
        screen = pilot.app.screen
        if not isinstance(screen, RunConfirm):
            return None
        return next(iter(screen.query("#run-commands .dialog-text").results(Static)), None)

    await until(pilot, lambda: about() is not None)
    shown = about()
    assert shown is not None
    return " ".join(str(shown.render()).split())


def web_and_api_app(tmp_path: Path, trigger: TriggerKind = TriggerKind.USER_IMPACT):
    """The demo's `web` and `api` chosen (as `api, web`: recorded in the configuration's
    order), version-rollback: the app, its incident's conductor to attach."""
    settings = load_settings(demo_config())
    engine = build_engine(settings, tmp_path / "incidents")
    conductor = engine.new_incident("Checkout errors", incident_id=INCIDENT_ID)
    conductor.declare_trigger(trigger, "checkout fails")
    conductor.select(["api", "web"])
    conductor.choose_strategy("version-rollback", {})
    return build_app(settings, tmp_path / "incidents", engine), conductor


async def step_detail_shown(pilot: Pilot, step: str) -> list[str]:
    """The checklist's detail pane of `step`, highlighted there: its lines as wrapped,
    those on screen."""
    from textual.content import Content
    from textual.widgets import Static

    app = pilot.app
    await until(pilot, lambda: bool(app.screen.query("#step-detail")))
    app.screen.select_step(step)  # type: ignore[attr-defined]
    await pilot.pause()
    pane = app.screen.query_one("#step-detail", Static)
    content = pane.render()
    assert isinstance(content, Content)
    lines = [line.plain for line in content.wrap(pane.content_region.width)]
    return lines[: pane.content_region.height]


async def enter_out_of_order(pilot: Pilot) -> None:
    """Enter on the highlighted step, then y to the question a step ahead of the
    checklist's order asks first (console/ui/out_of_order.py)."""
    from console.ui.screens.dialogs import ConfirmDialog

    def asked() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, ConfirmDialog) and screen.title_text == "Out of order"

    await pilot.press("enter")
    await until(pilot, asked)
    await pilot.press("y")
