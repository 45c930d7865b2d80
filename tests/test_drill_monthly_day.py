"""A monthly drill scheduled through a weekday cron line (`drill --due`, as
docs/drills.md writes it): it falls due once a month, on the day drills.toml says,
whatever day the job wakes; a date missed (the jump host off) is said, and run once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.journal.drill_text import missed_said
from console.model.drill_schedule import MAX_MISSED, DrillRun, due_scenarios, schedule_status
from tests.test_drill_schedule import drills, write_drill
from tests.test_drills_sshd import DRILLS, staging_fleet

START = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)  # a Monday, at the cron line's 06:00


def weekday_mornings(days: int):
    """`0 6 * * 1-5`: each weekday at 06:00 UTC from START."""
    for n in range(days):
        when = START + timedelta(days=n)
        if when.weekday() < 5:
            yield when


def cron_year(entry: dict) -> list[datetime]:
    """A year of the weekday job: when it ran the drill (each passing)."""
    settings = drills(entry)
    ran: list[DrillRun] = []
    for now in weekday_mornings(362):  # to the year's end
        if due_scenarios(schedule_status(settings, ran, now)):
            ran.append(DrillRun("web-monthly", ("web",), now, True, "verified", "verified"))
    return [r.at for r in ran]


def test_a_monthly_drill_run_by_a_weekday_job_runs_once_a_month():
    """Seen: with `cadence = "monthly"` and the documented weekday `drill --due` line, the
    drill ran on 2027-01-04, 01-25, 02-15...: DUE a week before its date, and --due runs
    what is DUE, so each drill moved the next one a week earlier, 17 drills in the year."""
    ran = cron_year({"scenario": "web-monthly", "cadence": "monthly"})
    assert len(ran) == 12, [f"{r:%m-%d}" for r in ran]
    months = [(r.year, r.month) for r in ran]
    assert len(set(months)) == 12  # never twice in a month


def test_a_monthly_drill_on_a_day_falls_due_on_that_day_whatever_day_cron_wakes():
    """`day = 1`: due on the 1st; a 1st on a weekend runs on the Monday after, and the
    next is still due on the next 1st (the weekday job does not move it)."""
    ran = cron_year({"scenario": "web-monthly", "cadence": "monthly", "day": 1})
    expected = []
    for month in range(1, 13):
        first = datetime(2027, month, 1, 6, 0, tzinfo=UTC)
        while first.weekday() >= 5:
            first += timedelta(days=1)
        expected.append(first)
    assert ran == [START, *expected[1:]], [f"{r:%m-%d}" for r in ran]


def test_the_last_day_of_the_month_stays_the_last_day():
    """`day = 31`: February's 28th, then March's 31st (not the 28th from then on)."""
    ran = cron_year({"scenario": "web-monthly", "cadence": "monthly", "day": 31})
    assert [f"{r:%m-%d}" for r in ran[:4]] == ["01-04", "02-01", "03-01", "03-31"]


@pytest.mark.sshd
def test_missed_months_are_said_and_the_drill_runs_once(sshd_server, tmp_path):
    """The jump host was off for two months: `drill --due` says which dates were missed
    and runs the drill once (not once per date), then nothing is due until the next day."""
    monthly = {"scenario": "bad-release", "cadence": "monthly", "day": 1}
    fleet = staging_fleet(sshd_server, tmp_path, {**DRILLS, "schedule": [monthly]})
    now = datetime.now(UTC)
    last = datetime(now.year, now.month, 1, tzinfo=UTC) - timedelta(days=70)
    write_drill(fleet.state / "incidents", "old", "bad-release", last, True, "app")
    status = fleet.cli("drill", "--status")
    assert status.returncode == 1, status.stdout + status.stderr  # OVERDUE
    assert "OVERDUE, 2 missed" in status.stdout, status.stdout
    due = fleet.cli("drill", "--due")
    assert due.returncode == 0, due.stdout + due.stderr
    said = [line for line in due.stdout.splitlines() if line.startswith("missed: ")]
    assert len(said) == 1, due.stdout
    assert f"(last passed: {last:%Y-%m-%d}" in said[0], said[0]
    first = datetime(now.year, now.month, 1, tzinfo=UTC)  # the date the drill now is for
    assert f"one drill is due now, for {first:%Y-%m-%d}, not one per date missed" in said[0]
    assert due.stdout.count("DRILL bad-release: PASSED") == 1, due.stdout
    again = fleet.cli("drill", "--due")
    assert again.returncode == 0 and again.stdout.strip() == "no drill is due", again.stdout
    assert len(list(fleet.state.glob("incidents/*/journal.jsonl"))) == 2


@pytest.mark.sshd
def test_check_config_refuses_a_day_on_another_cadence(sshd_server, tmp_path):
    entry = {"scenario": "bad-release", "cadence": "before-deploy", "day": 1}
    fleet = staging_fleet(sshd_server, tmp_path, {**DRILLS, "schedule": [entry]})
    checked = fleet.cli("check-config")
    assert checked.returncode == 2, checked.stdout + checked.stderr
    [line] = checked.stderr.strip().splitlines()
    assert line.startswith(f"error: {fleet.config / 'drills.toml'}:3: schedule[0]: "), line
    assert "`day` (of the month) is for the monthly cadence" in line, line


def test_many_dates_missed_are_counted_not_listed():
    """A daily cadence off for ten days: one line, how many and from when to when."""
    settings = drills({"scenario": "web-monthly", "every": "1d"})
    now = datetime(2027, 5, 1, 6, 0, tzinfo=UTC)
    passed = DrillRun("web-monthly", ("web",), now - timedelta(days=10), True, "verified", "")
    [cadence] = schedule_status(settings, [passed], now)
    said = missed_said(cadence)
    assert said is not None and "it fell due 9 times, from 2027-04-22 to 2027-04-30," in said


def _fallen_due(entry: dict, passed: datetime, now: datetime) -> tuple[list[str], str]:
    """The dates missed and the one the drill due now is for, as `--status` says them."""
    run = DrillRun("web-monthly", ("web",), passed, True, "verified", "verified")
    [cadence] = schedule_status(drills({"scenario": "web-monthly", **entry}), [run], now)
    latest = f"{cadence.due_since:%Y-%m-%d}" if cadence.due_since else ""
    return [f"{m:%Y-%m-%d}" for m in cadence.missed], latest


@pytest.mark.parametrize(
    ("entry", "passed", "now", "missed", "latest"),
    [
        # each month counted from the 31st, not stepped from the 30th before it
        ({"cadence": "monthly"}, (2026, 8, 31), (2026, 12, 7), ["2026-09-30", "2026-10-31"], "2026-11-30"),
        ({"cadence": "monthly"}, (2026, 8, 31), (2027, 1, 1), ["2026-09-30", "2026-10-31", "2026-11-30"], "2026-12-31"),
        # seen: April's date (the 30th) taken to have come on the 28th, due now two days early
        ({"cadence": "monthly"}, (2027, 1, 31), (2027, 4, 29), ["2027-02-28"], "2027-03-31"),
        ({"cadence": "monthly"}, (2027, 1, 31), (2027, 4, 30), ["2027-02-28", "2027-03-31"], "2027-04-30"),
        # not come yet: nothing missed, nothing due
        ({"cadence": "monthly"}, (2027, 1, 31), (2027, 2, 27), [], ""),
        # the year's end, a leap day
        ({"cadence": "monthly"}, (2026, 12, 31), (2027, 3, 1), ["2027-01-31"], "2027-02-28"),
        ({"cadence": "monthly"}, (2027, 12, 31), (2028, 3, 1), ["2028-01-31"], "2028-02-29"),
        ({"cadence": "annual-dr"}, (2024, 2, 29), (2028, 3, 1), ["2025-02-28", "2026-02-28", "2027-02-28"], "2028-02-29"),
        # on a day of the month: its last day in a shorter month, the 31st again after
        ({"cadence": "monthly", "day": 31}, (2027, 1, 15), (2027, 5, 1), ["2027-01-31", "2027-02-28", "2027-03-31"], "2027-04-30"),
        ({"cadence": "monthly", "day": 1}, (2026, 12, 15), (2027, 3, 1), ["2027-01-01", "2027-02-01"], "2027-03-01"),
        ({"every": "7d"}, (2027, 2, 25), (2027, 3, 12), ["2027-03-04"], "2027-03-11"),
    ],
)  # fmt: skip
def test_the_dates_missed_keep_the_day_across_month_ends(entry, passed, now, missed, latest):
    """A monthly drill passed on August 31st, the jump host off since: `--status` said it
    fell due 2026-09-30 and 2026-10-30 (each month stepped from the one before, clipped),
    where October's date is the 31st; and the drill due now is named by its date."""
    at = datetime(*passed, 6, 0, tzinfo=UTC)
    assert _fallen_due(entry, at, datetime(*now, 12, 0, tzinfo=UTC)) == (missed, latest)


@pytest.mark.parametrize(
    ("entry", "days", "first", "latest"),
    [
        ({"every": "1h"}, 30, "2027-04-01", "2027-05-01"),
        ({"every": "1d"}, 200, "2026-10-14", "2027-05-01"),
        ({"cadence": "monthly", "day": 1}, 365 * 12, "2015-06-01", "2027-05-01"),
    ],
)
def test_a_cadence_off_past_the_count_names_the_date_due_now(entry, days, first, latest):
    """Counted no further than MAX_MISSED dates, the drill due now was named by the last
    date counted: an hourly cadence off for 30 days read 'at least 120 times since
    2027-04-01, ...: one drill is due now, for 2027-04-06', five days after its pass."""
    now = datetime(2027, 5, 1, 12, 0, tzinfo=UTC)
    missed, due = _fallen_due(entry, now - timedelta(days=days), now)
    assert (len(missed), missed[0], due) == (MAX_MISSED, first, latest)
    said = missed_said(
        schedule_status(
            drills({"scenario": "web-monthly", **entry}),
            [DrillRun("web-monthly", ("web",), now - timedelta(days=days), True, "verified", "")],
            now,
        )[0]
    )
    assert said is not None and f"at least {MAX_MISSED} times since {first}," in said, said
    assert f"one drill is due now, for {latest}, not one per date missed" in said, said
