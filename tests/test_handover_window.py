"""Taking command reads the teammate's journal in a thread behind a progress bar (a journal
of 100,000 events froze the console for seconds: r read it on the UI's loop, twice), every
check kept; and the window between asking a console for command and taking it: asked,
that console's commander picked web, whose web-1 this console's inventory lacks, and
nobody being at its keyboard it handed command over, recorded, and quit. The take was then
refused with the plain "Not taken over" of an r: nothing said that command had been handed
over here, nor that nobody drove the incident any more. The teammate is a real second
account, in a process of its own, doing what its console does."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from console.engine.handover_request import accept, asked
from console.engine.session import Engine
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.paths import demo_config
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.loading import LoadingScreen
from tests import test_ui_support as ui
from tests.events_factory import recorder_in
from tests.test_handover import REASON
from tests.test_incident_custody import INCIDENT, TITLE, shared  # noqa: F401
from tests.test_team_dirs import answer, start_as, team  # noqa: F401
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


def _without_web_1(top: Path) -> Path:
    """The demo's configuration with host web-1 taken out of its inventory."""
    config = top / "config-without-web-1"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    inventory = config / "inventory.toml"
    block = '[[systems.hosts]]\nname = "web-1"\ntags = ["eu-west", "canary"]\n\n'
    assert block in inventory.read_text()
    inventory.write_text(inventory.read_text().replace(block, ""))
    return config


def _hands_over_after_picking(journals: Path, locks: Path, ready: int) -> str:
    """The teammate's console: an incident open, no system picked yet; asked for command,
    its commander picks web (web-1 and web-2) meanwhile, then, nobody at its keyboard, it
    hands command over, recorded, and quits."""
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)
    recorder.record(Kind.TRIGGER_DECLARED, kind="user-impact", reason=TITLE, commander="alice")
    os.write(ready, b"!")
    held = SystemLocks(locks)
    for _ in range(600):
        if (request := asked(held, INCIDENT)) is not None:
            break
        time.sleep(0.05)
    else:
        return "never asked"
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web", "web-2": "web"})
    assert accept(held, INCIDENT, request)
    recorder.record(
        Kind.COMMANDER_HANDED_OVER,
        to=request.to,
        previous="alice",
        note=f"asked for by {request.said()}; nobody answered at this console for 30 s",
        reason=request.reason,
    )
    recorder.close()
    return "handed"


def _app(settings, journals: Path, locks: Path):
    engine = Engine(settings, journals, actor=ui.ACTOR, lock_dir=locks, threaded_io=True)
    ui._ENGINES.append(engine)
    return ui.build_app(settings, journals, engine)


def _read_where(app) -> list[tuple[str, str, str]]:
    """Each read of a journal by the app's engine, and each take: which, the thread it ran
    in and the screen on top then (the real methods run)."""
    seen: list[tuple[str, str, str]] = []
    engine = app.engine
    for name in ("read", "take_command"):
        real = getattr(engine, name)

        def spied(*args, _real=real, _name=name, **kwargs):
            top = app.screen_stack[-1]
            title = top.title_text if isinstance(top, LoadingScreen) else type(top).__name__
            seen.append((_name, threading.current_thread().name, title))
            return _real(*args, **kwargs)

        setattr(engine, name, spied)
    return seen


async def test_handed_over_then_refused_is_said_and_taken_once_put_right(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    go, ready = os.pipe()
    child = start_as(account, lambda: _hands_over_after_picking(journals, locks, ready))
    os.close(ready)
    assert os.read(go, 1) == b"!"  # its incident is open
    journal = journals / INCIDENT / "journal.jsonl"
    app = _app(load_settings(_without_web_1(journals.parent)), journals, locks)
    went = False
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("r")  # its console runs: r asks it, once this one could take it
            await ui.until(pilot, lambda: isinstance(app.screen, TextPrompt), 60)
            assert (
                app.screen.title_text == f"Ask {account.name}'s console for command of {INCIDENT}"
            )
            await ui.type_text(pilot, REASON)
            await pilot.press("enter")
            title = "Handed over to you, not taken"
            toasts = app._notifications
            await ui.until(pilot, lambda: any(n.title == title for n in toasts), 60)
            shown = {n.title: n.message for n in toasts}
            assert app.conductor is None and type(app.screen).__name__ == "HomeScreen"
        went = True
    finally:  # a failure ends the teammate's process here (it would wait on)
        if not went:
            os.kill(child[0], signal.SIGKILL)
    assert answer(*child) == "handed"
    assert shown[title] == (
        f"{account.name}'s console handed command of {INCIDENT} over to you and quit: the"
        f" hand-over is in its record, and nobody drives {INCIDENT} now. Taking it here was"
        f" refused: {INCIDENT}: host(s) web-1 of this incident are not in this"
        " configuration's inventory; take command of it with the configuration it ran"
        " with (--config DIR). Once that is put right, take command of it (r on the home"
        f" screen; the reason is asked again), or {account.name} resumes it."
    )
    assert os.stat(journal.parent).st_uid == account.uid  # nothing copied or moved
    assert read_journal(journal).events[-1].kind == Kind.COMMANDER_HANDED_OVER

    app = _app(ui.demo_settings(), journals, locks)  # the console again, web-1 back
    seen = _read_where(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")  # nothing of the teammate's runs: take command, a reason asked
        await ui.until(pilot, lambda: isinstance(app.screen, TextPrompt), 60)
        assert app.screen.title_text == f"Take command of {account.name}'s incident {INCIDENT}"
        await ui.type_text(pilot, REASON)
        await pilot.press("enter")
        await ui.until(pilot, lambda: app.conductor is not None, 60)
        notes = [e.data.text for e in app.conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
    assert notes[-1].startswith(f"command taken up here: {REASON} — taken over from ")
    assert os.stat(journal.parent).st_uid == 0
    # Each read off the UI's loop, behind its progress bar
    assert [(what, title) for what, _, title in seen] == [
        ("read", f"Before taking command of {INCIDENT}"),
        ("take_command", f"Taking command of {INCIDENT}"),
        ("read", "Reopening the incident"),
    ]
    assert threading.main_thread().name not in [thread for _, thread, _ in seen], seen
