"""After a hand-over, what the team reads says it: walked by helper-133 with two real
accounts sharing a team's journal_dir (2770) on a README configuration, rbbob took command
of rbalice's incident (her console quit) with a reason. `rollback-console list` (and the
home screen under it) read "rbbob's incident; written by rbbob's console ..." with no
word of rbalice, to her or anyone; and the status update sent next named the commander
"rbbob (took command from rbalice at ...)" without the reason given. The new commander
here is a real second account, in a process of its own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from console.journal.outcomes import commander_said
from console.journal.store import read_journal
from console.journal.times import utc
from console.model.state import fold
from tests.test_handover import INCIDENT, REASON, opened_by_root, take
from tests.test_incident_custody import run_cli, shared, team_config  # noqa: F401
from tests.test_team_dirs import as_account, team  # noqa: F401
from tests.test_ui_support import _close_engines, _no_cursor_blink  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


def _handed_over(journals, locks, account) -> tuple[list, str]:
    """Root's incident (commander alice), its console quit; the account takes command of
    it with REASON: (the incident's events, the hand-over as the list says it)."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=30)  # fmt: skip
    opened_by_root(journals, locks, int(gone.stdout)).close()  # quit; its lock left stale
    as_account(account, lambda: take(journals, locks))
    events = read_journal(journals / INCIDENT / "journal.jsonl").events
    at = utc(events[-1].ts)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", at), at
    return events, f"{account.name} took command from alice at {at}: {REASON}"


def test_the_list_and_the_next_status_update_say_who_handed_over_and_why(shared) -> None:  # noqa: F811 (a fixture)
    journals, locks, account = shared
    config = team_config(journals, locks)
    events, took = _handed_over(journals, locks, account)

    # the former owner's list (root's: the incident is the account's now), as anyone's
    listed = run_cli("list", "--config", str(config)).splitlines()
    assert listed[0] == "0", listed
    assert listed[2].startswith(f"  {account.name}'s incident; "), listed
    assert listed[3] == f"  {took}.", listed
    [record] = json.loads(run_cli("list", "--json", "--config", str(config))[2:])["incidents"]
    assert record["handed_over"] == took

    # the status update sent next names the commander, from whom, and why
    said = commander_said(fold(events))
    assert said == f"{account.name} ({took.removeprefix(account.name + ' ')})"


async def test_the_home_screen_says_it_under_the_list(shared) -> None:  # noqa: F811 (a fixture)
    from textual.widgets import Static

    from console.engine.session import Engine
    from tests.test_ui_support import _ENGINES, ACTOR, build_app, demo_settings

    journals, locks, account = shared
    _, took = _handed_over(journals, locks, account)
    settings = demo_settings()
    engine = Engine(settings, journals, actor=ACTOR, lock_dir=locks, threaded_io=True)
    _ENGINES.append(engine)
    app = build_app(settings, journals, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = str(app.screen.query_one("#incident-custody", Static).render())
        assert f"{account.name}'s incident; " in said and f"\n{took}.\n" in said, said
