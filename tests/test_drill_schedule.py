"""The test schedule from synthetic journals with fixed clocks: each cadence's next due
date, DUE and OVERDUE, what `--due` runs, the gate's exit codes, and drills.toml's errors."""

from __future__ import annotations

import asyncio
import itertools
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.cli import main
from console.headless.drills import DrillOptions, print_status, run_gate
from console.journal.drills import past_drills
from console.journal.recorder import Recorder
from console.model.clock import FixedClock
from console.model.drill_schedule import (
    DrillRun,
    GateError,
    Standing,
    add_months,
    due_scenarios,
    gate,
    schedule_status,
)
from console.model.drill_settings import DrillSettings
from console.model.drills import ScheduleEntry, parse_period
from console.model.events import Kind
from console.model.loading import load_settings
from console.paths import demo_config
from tests.events_factory import COMMANDER

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
SCENARIO = {"systems": ["web"], "strategy": "version-rollback", "trigger": "error-threshold"}


def drills(*schedule: dict) -> DrillSettings:
    return DrillSettings.validated(
        {
            "scenarios": [
                {"name": "web-monthly", **SCENARIO},
                {"name": "web-quick", **SCENARIO},
                {"name": "dr", **SCENARIO},
            ],
            "schedule": list(schedule),
        }
    )


def run(scenario: str, days_ago: float, passed: bool = True, system: str = "web") -> DrillRun:
    at = NOW - timedelta(days=days_ago)
    return DrillRun(scenario, (system,), at, passed, "verified" if passed else "failed", "verified")


def one(entry: dict, runs: list[DrillRun], now: datetime = NOW):
    [standing] = schedule_status(drills(entry), runs, now)
    return standing


# -- arithmetic -------------------------------------------------------------------


def test_months_keep_the_day_or_take_the_month_end():
    assert add_months(datetime(2026, 1, 31, 9, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, 9, tzinfo=UTC
    )
    assert add_months(datetime(2024, 1, 31, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 12, 15, tzinfo=UTC), 1) == datetime(2027, 1, 15, tzinfo=UTC)
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2025, 2, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "period"),
    [("30d", timedelta(days=30)), ("2w", timedelta(weeks=2)), (" 12h ", timedelta(hours=12))],
)
def test_periods(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["30", "0d", "3m", "d", "1.5d"])
def test_bad_periods_are_refused(text):
    with pytest.raises(ValueError, match="expected a number and h, d or w"):
        parse_period(text)


def test_an_entry_with_a_cadence_and_a_period_says_it_has_both():
    """Walked: `every = "14d"` added under an entry's `cadence = "monthly"` read 'give
    `cadence` (monthly, before-deploy, annual-dr) or `every`', as if it had neither."""
    both = {"scenario": "web-quick", "cadence": "monthly", "every": "14d"}
    with pytest.raises(ValueError, match="not both \\(cadence = 'monthly', every = '14d'\\)"):
        ScheduleEntry.model_validate(both)


def test_monthly_is_ok_then_due_in_its_last_week_then_overdue():
    entry = {"scenario": "web-monthly", "cadence": "monthly"}
    passed = run("web-monthly", days_ago=10)
    standing = one(entry, [passed])
    assert standing.next_due == add_months(passed.at, 1)
    assert standing.standing is Standing.OK
    assert one(entry, [run("web-monthly", days_ago=26)]).standing is Standing.DUE
    assert one(entry, [run("web-monthly", days_ago=31)]).standing is Standing.OVERDUE


def test_every_n_days_with_a_quarter_of_the_period_as_notice():
    entry = {"scenario": "web-monthly", "every": "8d"}
    assert one(entry, [run("web-monthly", 5)]).standing is Standing.OK
    assert one(entry, [run("web-monthly", 6.5)]).standing is Standing.DUE  # notice: 2 days
    late = one(entry, [run("web-monthly", 9)])
    assert late.standing is Standing.OVERDUE
    assert late.next_due == NOW - timedelta(days=1)


def test_annual_dr_shows_due_a_month_ahead():
    entry = {"scenario": "dr", "cadence": "annual-dr"}
    assert one(entry, [run("dr", 300)]).standing is Standing.OK
    assert one(entry, [run("dr", 340)]).standing is Standing.DUE
    assert one(entry, [run("dr", 370)]).standing is Standing.OVERDUE


def test_never_drilled_is_overdue_and_a_failed_drill_does_not_count():
    entry = {"scenario": "web-monthly", "cadence": "monthly"}
    never = one(entry, [])
    assert (never.standing, never.next_due, never.last) == (Standing.OVERDUE, None, None)
    runs = [run("web-monthly", 40), run("web-monthly", 2, passed=False)]
    standing = one(entry, runs)
    assert standing.last is runs[1] and standing.last_passed is runs[0]
    assert standing.standing is Standing.OVERDUE  # the last pass was 40 days ago


def test_other_scenarios_other_systems_and_future_drills_do_not_count():
    entry = {"scenario": "web-monthly", "cadence": "monthly"}
    runs = [run("web-quick", 1), run("web-monthly", 1, system="db"), run("web-monthly", -1)]
    assert one(entry, runs).standing is Standing.OVERDUE


def test_before_deploy_is_valid_for_its_window_and_never_overdue():
    entry = {"scenario": "web-quick", "cadence": "before-deploy", "valid_hours": 6}
    fresh = one(entry, [run("web-quick", days_ago=5 / 24)])
    assert fresh.standing is Standing.OK
    assert fresh.next_due == NOW + timedelta(hours=1)
    assert one(entry, [run("web-quick", days_ago=7 / 24)]).standing is Standing.DUE
    assert one(entry, []).standing is Standing.DUE
    default = ScheduleEntry(scenario="web-quick", cadence="before-deploy")
    assert default.window_hours == 24 and default.label == "before-deploy (24 h)"


def test_due_runs_each_due_or_overdue_scenario_once_but_not_before_deploy():
    settings = drills(
        {"scenario": "web-monthly", "cadence": "monthly"},
        {"scenario": "web-quick", "cadence": "before-deploy"},
        {"scenario": "dr", "cadence": "annual-dr", "systems": ["web"]},
    )
    status = schedule_status(settings, [run("dr", 10)], NOW)
    assert [s.standing for s in status] == [Standing.OVERDUE, Standing.DUE, Standing.OK]
    assert due_scenarios(status) == ["web-monthly"]


def test_the_gate_judges_every_before_deploy_entry_of_the_systems():
    settings = drills({"scenario": "web-quick", "cadence": "before-deploy", "valid_hours": 24})
    assert gate(settings, ["web"], [run("web-quick", 0.5)], NOW)[0].standing is Standing.OK
    assert gate(settings, ["web"], [run("web-quick", 2)], NOW)[0].standing is Standing.DUE
    with pytest.raises(GateError, match="'db' has no before-deploy cadence"):
        gate(settings, ["web", "db"], [], NOW)


# -- from journals ------------------------------------------------------------------


def write_drill(
    root: Path, name: str, scenario: str, at: datetime, passed: bool, system: str = "web"
) -> Path:
    """A journal as a drill leaves it: opened as a drill, judged, closed; clock fixed."""
    recorder = Recorder.open(root / name, FixedClock(at), COMMANDER)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=name, title=scenario, drill=True)
    recorder.record(
        Kind.DRILL_JUDGED,
        scenario=scenario,
        systems=[system],
        passed=passed,
        expected="verified",
        outcome="verified" if passed else "partial",
        recovery={system: {"seconds": 42.0, "target_minutes": 15, "verdict": "within target"}},
    )
    recorder.record(Kind.INCIDENT_CLOSED, outcome="rolled back and verified")
    recorder.close()
    return recorder.path


def test_past_drills_are_read_from_the_journals_and_others_left_out(tmp_path):
    write_drill(tmp_path, "d1", "web-release", NOW - timedelta(days=3), passed=True)
    write_drill(tmp_path, "d2", "web-release", NOW - timedelta(days=1), passed=False)
    real = Recorder.open(tmp_path / "incident", FixedClock(NOW), COMMANDER)
    real.record(Kind.INCIDENT_OPENED, incident_id="incident", title="real", drill=False)
    real.close()
    unjudged = Recorder.open(tmp_path / "interrupted", FixedClock(NOW), COMMANDER)
    unjudged.record(Kind.INCIDENT_OPENED, incident_id="interrupted", title="x", drill=True)
    unjudged.close()
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "journal.jsonl").write_text("{not json\n")
    runs = past_drills(tmp_path)
    assert [(r.scenario, r.passed, r.outcome) for r in runs] == [
        ("web-release", True, "verified"),
        ("web-release", False, "partial"),
    ]
    assert runs[0].at == NOW - timedelta(days=3)
    assert runs[0].recovery["web"].seconds == 42.0 and runs[0].journal.endswith("journal.jsonl")


@pytest.fixture
def demo_state(tmp_path, monkeypatch) -> Path:
    """The demo's incidents directory, in a fresh state dir."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))
    return tmp_path / "demo-incidents"


def test_status_from_journals_in_the_state_dir(demo_state, capsys):
    settings = load_settings(demo_config())
    write_drill(demo_state, "d1", "web-release", NOW - timedelta(hours=2), passed=True)
    write_drill(demo_state, "d2", "api-breach", NOW - timedelta(days=40), True, "api")
    assert print_status(settings, True, "text", NOW) == 1  # something is OVERDUE
    lines = capsys.readouterr().out.splitlines()
    # wider than 79 columns whole: each row's standing, its scenario and last drill under it
    assert lines[0].split() == ["system", "cadence", "next", "due", "state"]
    rows = [(ln.split(), under) for ln, under in itertools.pairwise(lines) if ln[:1] != " "]
    web = [(row, under) for row, under in rows if row[0] == "web" and "web-release" in under]
    assert web[0][0][-1] == "ok" and web[0][0][1] == "monthly" and "42 s" in web[0][1]
    assert web[1][0][-1] == "ok" and web[1][0][1:3] == ["before-deploy", "(24"]
    api = next(row for row, _ in rows if row[0] == "api")
    assert api[-1] == "OVERDUE" and api[-3:-1] == ["2026-05-10", "12:00"]
    db = next(under for row, under in rows if row[:2] == ["db", "monthly"])
    assert db == "  db-corrupt-data: never drilled", db

    assert print_status(settings, True, "json", NOW) == 1
    import json

    doc = json.loads(capsys.readouterr().out)
    rows = {(r["system"], r["cadence"]): r for r in doc["status"]}
    assert rows[("web", "monthly")]["standing"] == "ok"
    assert rows[("web", "monthly")]["next_due"] == "2026-06-20T10:00:00+00:00"
    assert rows[("web", "monthly")]["recovery_seconds"] == 42.0
    assert rows[("db", "monthly")]["last_drill"] is None

    assert print_status(settings, True, "markdown", NOW) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("# Rollback drill schedule (2026-05-20 12:00 UTC)")
    assert "| api | every 30d | api-breach | 2026-04-10 12:00 | passed |" in markdown
    assert "**OVERDUE**" in markdown


def gate_code(settings, systems: list[str], now: datetime) -> int:
    return asyncio.run(run_gate(settings, systems, False, DrillOptions(demo=True), now))


def test_the_gates_exit_codes(demo_state, capsys):
    settings = load_settings(demo_config())
    assert gate_code(settings, ["web"], NOW) == 1
    assert "no passing web-release drill in the last 24 h" in capsys.readouterr().out
    write_drill(demo_state, "old", "web-release", NOW - timedelta(hours=30), passed=True)
    write_drill(demo_state, "bad", "web-release", NOW - timedelta(hours=1), passed=False)
    assert gate_code(settings, ["web"], NOW) == 1
    out = capsys.readouterr().out
    assert "last web-release FAILED 2026-05-20 11:00 UTC" in out and "gate CLOSED: web" in out
    # a pass within the window, then the failure: the latest drill found it broken
    write_drill(demo_state, "good", "web-release", NOW - timedelta(hours=3), passed=True)
    assert gate_code(settings, ["web"], NOW) == 1
    out = capsys.readouterr().out
    assert (
        "the last web-release drill FAILED 2026-05-20 11:00 UTC: the one that passed"
        " 2026-05-20 09:00 UTC no longer counts"
    ) in out and "gate CLOSED: web" in out
    write_drill(demo_state, "again", "web-release", NOW - timedelta(minutes=30), passed=True)
    assert gate_code(settings, ["web"], NOW) == 0
    out = capsys.readouterr().out
    assert "valid until 2026-05-21 11:30 UTC" in out and "gate open: web" in out
    assert gate_code(settings, ["web"], NOW + timedelta(hours=24)) == 1  # the window closed


def test_a_journal_that_cannot_be_read_written_after_the_pass_closes_the_gate(demo_state, capsys):
    """Walked (helper-153): the two drills that failed after a pass had journals that
    could no longer be read (a byte changed on disk); the gate left them out without a
    word and opened on the pass before them."""
    settings = load_settings(demo_config())
    write_drill(demo_state, "good", "web-release", NOW - timedelta(hours=3), passed=True)
    bad = write_drill(demo_state, "bad", "web-release", NOW - timedelta(hours=1), passed=False)
    bad.write_bytes(bad.read_bytes().replace(b'"kind":"drill.judged"', b'"kind#"drill.judged"'))
    os.utime(bad, (NOW.timestamp() - 3600, NOW.timestamp() - 3600))  # written an hour ago
    assert gate_code(settings, ["web"], NOW) == 1
    out, err = capsys.readouterr()
    assert f"warning: {bad} cannot be read (line 2: " in err, err
    assert f"web before-deploy (24 h): {bad} cannot be read (line 2: " in out, out
    assert (
        "written 2026-05-20 11:00 UTC, after the web-release drill that passed 2026-05-20 09:00"
        " UTC: a drill it records may have failed; repair it, or move it out of the incidents"
        " directory"
    ) in out and "gate CLOSED: web" in out
    os.utime(bad, (NOW.timestamp() - 4 * 3600, NOW.timestamp() - 4 * 3600))  # before it
    assert gate_code(settings, ["web"], NOW) == 0  # said, but it cannot outdate the pass
    out, err = capsys.readouterr()
    assert "gate open: web" in out and f"warning: {bad} cannot be read" in err


def test_a_pass_dated_ahead_of_the_clock_is_said_not_counted(demo_state, capsys):
    """Walked (helper-153): a drill run on a host whose clock was ahead passed, and
    `--status` read OVERDUE with nothing saying why the pass did not count."""
    settings = load_settings(demo_config())
    ahead = write_drill(demo_state, "ahead", "web-release", NOW + timedelta(days=2), True)
    assert print_status(settings, True, "text", NOW) == 1
    out, err = capsys.readouterr()
    web = next(ln.split() for ln in out.splitlines() if ln.startswith("web ") and "monthly" in ln)
    assert web[-1] == "OVERDUE"
    assert (
        f"warning: the web-release drill that passed 2026-05-22 12:00 UTC ({ahead}) is dated"
        " after now, 2026-05-20 12:00 UTC: it is not counted until then; is this host's clock"
        " right?"
    ) in err, err


def test_a_failed_drill_dated_ahead_of_the_clock_still_closes_the_gate(demo_state, capsys):
    """Walked (helper-153): the jump host's clock stepped back after a drill failed, and
    the gate skipped the failure as 'in the future' and opened on the pass before it."""
    settings = load_settings(demo_config())
    write_drill(demo_state, "good", "web-release", NOW - timedelta(hours=3), passed=True)
    write_drill(demo_state, "bad", "web-release", NOW + timedelta(minutes=10), passed=False)
    assert gate_code(settings, ["web"], NOW) == 1
    out = capsys.readouterr().out
    assert "the last web-release drill FAILED 2026-05-20 12:10 UTC" in out, out
    assert "gate CLOSED: web" in out
    write_drill(demo_state, "ahead", "web-release", NOW + timedelta(minutes=20), passed=True)
    assert gate_code(settings, ["web"], NOW) == 1  # a pass dated ahead proves nothing yet
    assert "gate CLOSED: web" in capsys.readouterr().out


def test_the_gate_refuses_what_it_cannot_judge(demo_state, capsys):
    assert main(["drill", "--demo", "--gate", "--systems", "api"]) == 2
    assert "error: --gate: system 'api' has no before-deploy cadence" in capsys.readouterr().err
    assert main(["drill", "--demo", "--gate"]) == 2
    assert "--gate needs --systems" in capsys.readouterr().err
    assert main(["drill", "--demo", "--gate", "--systems", "wbe"]) == 2
    assert "unknown system 'wbe'" in capsys.readouterr().err
    assert main(["drill", "--demo", "--run"]) == 2
    assert "--run goes with --gate" in capsys.readouterr().err
