"""A teammate's console, asked for command by this account, handed it over (recorded)
and quit. The home screen's custody line read "<account>'s incident; nothing writes it
now" and "root took command from alice ...": nothing told the asker that the incident
was handed over to them and is theirs to take. The teammate is a real second account, in
a process of its own, doing what its console does."""

from __future__ import annotations

import os

import pytest

from console.journal.custody import account_name
from console.journal.outcomes import commander_said
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.state import fold
from tests import test_ui_support as ui
from tests.events_factory import COMMANDER, START, recorder_in
from tests.test_handover import REASON
from tests.test_incident_custody import INCIDENT, TITLE, run_cli, shared, team_config  # noqa: F401
from tests.test_team_dirs import answer, start_as, team  # noqa: F401
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


def _handed_over(journals, to: str) -> str:
    """The teammate's console: web picked, asked for command by `to`, nobody at its
    keyboard: it hands command over, recorded, and quits."""
    recorder = recorder_in(journals / INCIDENT)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE)
    recorder.record(Kind.TRIGGER_DECLARED, kind="user-impact", reason=TITLE, commander="alice")
    recorder.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts={"web-1": "web"})
    recorder.record(
        Kind.COMMANDER_HANDED_OVER,
        to=to,
        previous="alice",
        note="nobody answered at this console for 30 s",
        reason=REASON,
    )
    recorder.close()
    return "handed"


def _closed(journals) -> str:
    """The teammate's console again: it closes the incident."""
    from console.journal.recorder import Recorder

    recorder = Recorder.open(journals / INCIDENT, FixedClock(START), COMMANDER)
    recorder.record(Kind.INCIDENT_CLOSED, outcome="rolled-back")
    recorder.close()
    return "closed"


async def test_the_home_screen_says_it_was_handed_over_to_you(shared) -> None:  # noqa: F811 (a fixture)
    from textual.widgets import Static

    from console.engine.session import Engine

    journals, locks, account = shared
    me = account_name(os.geteuid())
    assert answer(*start_as(account, lambda: _handed_over(journals, me))) == "handed"
    settings = ui.demo_settings()
    engine = Engine(settings, journals, actor=ui.ACTOR, lock_dir=locks, threaded_io=True)
    ui._ENGINES.append(engine)
    app = ui.build_app(settings, journals, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = str(app.screen.query_one("#incident-custody", Static).render()).splitlines()
    handed = f"Handed over to you ({me}) by alice at 2026-11-28 09:30:03 UTC: {REASON}"
    assert said == [
        f"{account.name}'s incident; nothing writes it now",
        f"{handed}; nobody drives it now.",
        "It is yours: take command of it (r), with a reason that is recorded, or follow it"
        " live (f) or export it.",
    ]
    config = str(team_config(journals, locks))
    listed = run_cli("list", "--config", config).splitlines()
    assert listed[3] == f"  {handed}; nobody drives it now.", listed
    assert listed[4].startswith(
        "  It is yours: take command of it (r on the home screen, or rollback-console resume"
    ), listed
    # Its owner resumed it and closed it: nobody's to take any more
    assert answer(*start_as(account, lambda: _closed(journals))) == "closed"
    listed = run_cli("list", "--config", config).splitlines()
    # said as handed over, as the home screen says it: nobody took command ("root took
    # command from alice" it read, to anyone, and so did the status updates)
    assert listed[3] == f"  Handed over to {me} by alice at 2026-11-28 09:30:03 UTC: {REASON}."
    state = fold(read_journal(journals / INCIDENT / "journal.jsonl").events)
    at = f"alice at 2026-11-28 09:30:03 UTC: {REASON}"
    assert commander_said(state) == f"{me} (handed over by {at})"
