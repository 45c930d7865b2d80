"""The staging drill of tests/test_drills_sshd.py, its system held by a stale lock (a
console killed with -9): the console asks to take it over, the command line refuses it as
`run` does; a live holder's lock is never offered."""

from __future__ import annotations

import json
import os
import re

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.drills import DrillReport
from console.ui.screens.home import HomeScreen
from tests.test_drills_sshd import RUN_APP, fleet, start_drill  # noqa: F401
from tests.test_locks import _dead_pid, _holder
from tests.test_ui_support import START, build_app, until

pytestmark = pytest.mark.sshd


async def test_a_drill_from_the_console_offers_to_take_over_a_stale_lock(fleet, tmp_path):  # noqa: F811
    """Seen at 80x24 on a real fleet, `app`'s lock left by a console killed with -9: `d`,
    Enter started the drill's incident, then closed it "⊘ refused: ... take it over with a
    reason" with no way to give one, a refused DRILL incident left in the journals for a
    drill that never ran. The locks are claimed before anything is recorded, as a
    declaration's are: the take-over is asked (the holder named, with its age), Esc leaves
    nothing behind, and a reason takes the lock over, journalled, and the drill runs. A
    live holder's lock is never offered: the drill is not started, and says whose it is."""
    settings = load_settings(fleet.config)
    root, lock_dir = tmp_path / "incidents", tmp_path / "locks"
    locks = SystemLocks(lock_dir)
    live = _holder(os.getpid(), "inc-live")
    locks.acquire("app", live)
    engine = Engine(settings, root, clock=FixedClock(START), lock_dir=lock_dir, threaded_io=True)
    app = build_app(settings, root, engine)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await start_drill(pilot)
            await until(
                pilot, lambda: any(n.title == "Drill not started" for n in app._notifications)
            )
            [toast] = [n for n in app._notifications if n.title == "Drill not started"]
            assert toast.message.startswith("system 'app' is locked: incident inc-live by alice")
            assert app.conductor is None and not root.exists(), "nothing recorded"
            locks.release("app", live)
            locks.acquire("app", _holder(_dead_pid(), "inc-killed"))
            for answer in ("escape", "the console that held it was killed"):
                await start_drill(pilot)
                await until(pilot, lambda: isinstance(app.screen, TextPrompt))
                said = str(app.screen.query_one(".dialog-text", Static).render())
                assert "system 'app' is held by a stale lock (its process is gone)" in said
                assert "incident inc-killed by alice on " in said and " ago)" in said
                assert app.conductor is None and not root.exists(), "nothing recorded yet"
                if answer == "escape":
                    await pilot.press("escape")
                    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
                    assert app.drills.running is None and not root.exists()
                else:
                    await pilot.press(*[{" ": "space"}.get(c, c) for c in answer], "enter")
            await until(pilot, lambda: isinstance(app.screen, DrillReport), timeout=120)
            assert app.screen.verdict["passed"], app.screen.verdict["findings"]
    finally:
        await engine.close()
    [journal] = root.glob("*/journal.jsonl")
    events = read_journal(journal).events
    [taken] = [e for e in events if e.kind == Kind.LOCK_TAKEN_OVER]
    assert taken.data.reason == "the console that held it was killed"
    assert taken.data.previous["incident"] == "inc-killed"
    assert events[-1].kind == Kind.INCIDENT_CLOSED and events[-1].data.outcome == "rolled-back"
    assert SystemLocks(lock_dir).holder("app") is None, "given back at the end"


def test_a_headless_drill_refused_by_a_stale_lock_says_so_as_run_does(fleet):  # noqa: F811
    """The same stale lock refuses `drill` as it refuses `run`: exit 3, one line naming
    the holder (pid, host, age) and the option that takes it over, nothing recorded; with
    `--take-over-lock` the drill runs and the take-over is journalled."""
    SystemLocks(fleet.state / "locks").acquire("app", _holder(_dead_pid(), "inc-killed"))
    refused = fleet.cli("drill")
    [line] = refused.stderr.splitlines()
    run = fleet.cli(*RUN_APP).stderr.strip()
    ages = re.compile(r" \([^()]* ago\)")  # read a moment apart
    assert refused.returncode == 3 and ages.sub("", line) == ages.sub("", run), (line, run)
    assert line.startswith("refused: system 'app' is held by a stale lock (its process is gone)")
    assert " ago); take it over with a reason (--take-over-lock REASON)" in line, line
    # --json: the result document `run --json` prints for it (drill printed nothing)
    as_json = fleet.cli("drill", "--json")
    result = json.loads(as_json.stdout)
    assert as_json.returncode == 3 and result["exit_status"] == 3, as_json.stderr
    assert (result["command"], result["holder"], result["journal"]) == ("drill", "inc-killed", None)
    assert result["verdict"].startswith("refused: system 'app' is held by a stale lock")
    assert not (fleet.state / "incidents").exists() or not any(
        (fleet.state / "incidents").iterdir()
    )
    took = fleet.cli("drill", "--take-over-lock", "its console was killed")
    assert took.returncode == 0, took.stdout + took.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    [taken] = [e for e in read_journal(journal).events if e.kind == Kind.LOCK_TAKEN_OVER]
    assert taken.data.previous["incident"] == "inc-killed"
