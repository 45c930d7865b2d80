"""^q while the take's worker reads a teammate's incident to copy it (console/ui/teammates.py,
behind its progress bar): the console quit, and the take went on in its thread to the end,
the teammate's journal moved aside and the copy recorded as taken by a console that was
gone. Quitting before anything is copied gives the take up: the teammate's incident is as
it was, nothing half-copied, the console exits cleanly, and the take is done again after.
A bug in a take's thread is said as the console's internal error, not "Not taken over".
The teammate is a real second account; the take runs for real, held at its first report of
progress until ^q has been pressed."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.ui.screens.dialogs import TextPrompt
from tests import test_ui_support as ui
from tests.test_handover import REASON
from tests.test_incident_custody import INCIDENT, driven_by, shared  # noqa: F401
from tests.test_team_dirs import team  # noqa: F401 (a fixture)
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")

ERROR = "Stopped: an unexpected error"  # the console's internal-error line


def _files(journals: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(journals)): p.read_bytes() for p in journals.rglob("*") if p.is_file()
    }


def _app(journals: Path, locks: Path):
    engine = Engine(ui.demo_settings(), journals, actor=ui.ACTOR, lock_dir=locks, threaded_io=True)
    ui._ENGINES.append(engine)
    return ui.build_app(engine.settings, journals, engine)


async def _take(pilot) -> None:
    """r on the teammate's incident, the reason, Enter."""
    await pilot.press("r")
    await ui.until(pilot, lambda: isinstance(pilot.app.screen, TextPrompt), 60)
    await ui.type_text(pilot, REASON)
    await pilot.press("enter")


async def test_quit_mid_take_leaves_the_teammates_incident_and_it_is_taken_again(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    with driven_by(account, journals, locks):
        pass  # killed: its writer and its lock on web left behind
    before = _files(journals)
    app = _app(journals, locks)
    reading, quit_pressed, ended = threading.Event(), threading.Event(), threading.Event()
    real = app.engine.take_command

    def held(*args, progress, **kwargs):  # the real take, its first report held
        def reported(done: int, total: int) -> None:
            reading.set()
            assert quit_pressed.wait(20)
            progress(done, total)

        try:
            return real(*args, progress=reported, **kwargs)
        finally:
            ended.set()

    app.engine.take_command = held
    async with app.run_test(size=(80, 24)) as pilot:
        await _take(pilot)
        await ui.until(pilot, reading.is_set, 60)
        await pilot.press("ctrl+q")
        quit_pressed.set()
        await ui.until_quit(app)
    assert await asyncio.to_thread(ended.wait, 20)
    assert app.return_code == 0
    assert _files(journals) == before  # nothing copied, moved or recorded

    app = _app(journals, locks)  # the take again: taken
    read = app.engine.read
    app.engine.read = lambda *args, **kwargs: 1 / 0  # a bug first, in its check's thread
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        [said] = [m for t, m in await ui.toasts_once(pilot, ERROR) if t == ERROR]
        assert said.startswith("Answering who takes command stopped on an unexpected error")
        assert not any(n.title == "Not taken over" for n in app._notifications)
        await ui.until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app.engine.read = read
        await _take(pilot)
        await ui.until(pilot, lambda: app.conductor is not None, 60)
    events = read_journal(journals / INCIDENT / "journal.jsonl").events
    [handed] = [e for e in events if e.kind == Kind.COMMANDER_HANDED_OVER]
    assert handed.data.reason == REASON
    assert os.stat(journals / INCIDENT).st_uid == os.geteuid()
    assert (journals / f"{INCIDENT}~{account.name}").is_dir()  # theirs, kept as it was
