"""What a version rollback's `target = previous` stood for, as confirmed, is on record as
a `strategy.resolved` event (hosts alike together, the release each went back to and
from which), and the summary, the document and the console's closed incident say it.
Walked on 200 real sshd hosts from `init`: a `run` killed mid-restore, resumed in the
console, retried and closed "rolled back, not verified": the document read `release |
2.11.0 | – | all 200 hosts` and nothing, in the summary or anywhere but a headless note,
named 2.10.0; a console's yes put it nowhere at all. Real sshd, `run` and the app at
80x24; journals written before keep their exports (tests/test_exports.py's goldens)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.payloads import StrategyResolved
from console.ui.screens.checklist import ChecklistScreen
from tests.test_needed_nothing_sshd import HOSTS, STRATEGIES, releases_fleet, run
from tests.test_resolve_release_sshd import confirmation
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

SAID = "Confirmed before the run: target=previous: 2.10.0 → 2.9.1 on app-1–app-4 (4 hosts)."


def resolved(journal: Path) -> StrategyResolved:
    events = read_journal(journal).events
    [found] = [e.payload(StrategyResolved) for e in events if e.kind == Kind.STRATEGY_RESOLVED]
    return found


def exported(journal: Path) -> str:
    argv = [sys.executable, "-m", "console", "export", str(journal)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def fleet(sshd_server, tmp_path: Path):
    return releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)


def test_headless_records_what_previous_stood_for_and_the_summary_says_it(fleet, tmp_path):
    done = run(fleet, tmp_path / "run")
    assert done.returncode == 0, done.stdout + done.stderr
    journal = tmp_path / "run" / "journal.jsonl"
    found = resolved(journal)
    assert (found.param, found.symbolic, found.value) == ("target", "previous", "2.9.1")
    [group] = found.groups
    assert group["hosts"] == list(HOSTS) and group["current"] == "2.10.0", group
    assert group["value"] == "2.9.1" and group["said"] == "release 2.10.0 to 2.9.1", group
    assert SAID in done.stdout or "2.10.0 → 2.9.1 on app-1–app-4 (4 hosts)" in done.stdout
    summary = exported(journal).split("## Summary", 1)[1].split("|", 1)[0]
    assert SAID in summary, summary


async def test_the_consoles_yes_records_it_and_the_closed_incident_says_it(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Resolved: target=previous is 2.9.1" in await confirmation(app, pilot)
        await pilot.press("y")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        journal = conductor.recorder.path
        found = resolved(journal)
        assert found.value == "2.9.1" and found.groups[0]["current"] == "2.10.0", found
        conductor.close(Outcome.UNVERIFIED, "closed before the soak", confirmed=True)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen), 10)

        def said() -> str:
            return " ".join(str(app.screen.query_one("#where-todo").render()).split())

        await until(pilot, lambda: SAID in said(), 10)
    summary = exported(journal).split("## Summary", 1)[1].split("|", 1)[0]
    assert SAID in summary, summary
