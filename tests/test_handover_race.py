"""The console asked for command answers just as the asker's wait runs out: both sides say
the same. The asker looks every POLL_SECONDS for a minute, then withdraws its request and
says "ask again later"; the console driving the incident hands command over once its
request still stands. An answer between the asker's last look and its withdrawal was
recorded as "command handed over to rbtest" by the console, which quit, while the asker
said it had not handed over: nobody drove the incident. The console now takes the request
as answered by moving it aside, which the asker's withdrawal cannot undo: the asker is
told it was handed over, waits for the console to let go, and takes command. The console
is the app (Pilot, this process, root); the asker a real second account running
`resume ID --take-command REASON` in a process of its own."""

from __future__ import annotations

import os
import select
from collections.abc import Callable

import pytest

from console.engine import handover_request
from console.journal.store import read_journal
from console.model.events import Kind
from console.ui.yielding import YieldDialog
from tests import test_ui_support as ui
from tests.test_handover import REASON
from tests.test_handover_asked import asked_once_open, the_console
from tests.test_incident_custody import shared  # noqa: F401 (a fixture)
from tests.test_team_dirs import answer, team  # noqa: F401 (a fixture)
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


async def test_handed_over_as_the_asker_gives_up_the_asker_takes_command(
    shared,  # noqa: F811 (a fixture)
    monkeypatch,
) -> None:
    from console.cli import terminal_needed
    from console.cli.console_app import _take_command
    from console.model.loading import load_settings
    from tests.test_incident_custody import team_config

    monkeypatch.setattr(terminal_needed, "needs_terminal", lambda incident=None: None)
    journals, locks, account = shared
    settings = load_settings(team_config(journals, locks, "demo"))  # as the console's
    looked, answered = os.pipe(), os.pipe()

    def resuming(incident: str, go: int) -> Callable[[], str]:
        def act() -> str:
            os.read(go, 1)
            real, first = handover_request.answer, [True]

            def last_look(*args: object) -> str | None:
                said = real(*args)  # type: ignore[arg-type]
                if first.pop() if first else False:  # no answer yet: the console answers now
                    os.write(looked[1], b"!")
                    os.read(answered[0], 1)
                return said

            handover_request.answer = last_look  # type: ignore[assignment]
            handover_request.ANSWER_SECONDS = handover_request.POLL_SECONDS  # one look
            return str(_take_command(settings, journals / incident, REASON, demo=False))

        return act

    engine, app = await the_console(journals, locks)
    async with app.run_test(size=(80, 24)) as pilot:
        incident, child = await asked_once_open(pilot, shared, resuming)
        await ui.until(pilot, lambda: bool(select.select([looked[0]], [], [], 0)[0]), 60)
        assert isinstance(app.screen, YieldDialog)
        conductor = app.conductor
        await pilot.press("enter")  # hands command over, as the asker's wait ends
        await ui.until_quit(app)
    assert app.quitting.ended_by == f"command handed over to {account.name}"
    conductor.let_go("the console quit", app.quitting.ended_by)  # as the command line does
    conductor.recorder.close()
    await engine.close()
    os.write(answered[1], b"!")  # the asker's wait is over: it gives up, or learns otherwise
    assert answer(*child) == str(journals / incident / "journal.jsonl")
    events = read_journal(journals / incident / "journal.jsonl").events
    handed, released, taken = events[-3:]
    assert handed.kind == Kind.COMMANDER_HANDED_OVER and handed.data.to == account.name
    assert handed.data.note.endswith(f"UTC): {REASON}; handed over at this console")
    assert released.kind == Kind.LOCK_RELEASED
    assert taken.kind == Kind.NOTE_ADDED and taken.who.user == account.name
    assert not list(locks.glob(f"{incident}.handover*"))
