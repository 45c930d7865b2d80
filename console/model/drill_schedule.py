"""The test schedule, pure: from past drills and a clock, each system's standing per
cadence (last drill, result, recovery against target, next due, OK / DUE / OVERDUE),
and the pre-deployment gate. No I/O: journal/drills.py reads the past drills."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from itertools import count

from console.model.drill_settings import DrillSettings
from console.model.drills import Cadence, ScheduleEntry, parse_period

MONTHLY_NOTICE = timedelta(days=7)
ANNUAL_NOTICE = timedelta(days=30)
MAX_NOTICE = timedelta(days=7)


@dataclass(frozen=True)
class RecoveryResult:
    """One system's recovery in a drill: seconds from the fault (None: not measured)."""

    seconds: float | None
    target_minutes: float | None
    verdict: str


@dataclass(frozen=True)
class DrillRun:
    """One past drill of a scenario, as its journal judged it."""

    scenario: str | None
    systems: tuple[str, ...]
    at: datetime
    passed: bool
    outcome: str
    expected: str
    journal: str = ""
    recovery: dict[str, RecoveryResult] = field(default_factory=dict)
    why: str = ""  # a failed drill's first finding: why the gate a pass held is closed


class Standing(StrEnum):
    OK = "ok"
    DUE = "DUE"
    OVERDUE = "OVERDUE"


@dataclass(frozen=True)
class SystemCadence:
    """Where one system stands on one cadence of the schedule."""

    system: str
    entry: ScheduleEntry
    last: DrillRun | None  # the latest drill of the entry's scenario on this system
    last_passed: DrillRun | None
    next_due: datetime | None  # None: now (never passed)
    standing: Standing
    # the dates it fell due on before the latest, with no passing drill since (the jump
    # host off, the job not run): said, and the drill run once for them all
    missed: tuple[datetime, ...] = ()
    due_since: datetime | None = None  # the latest date it fell due on, the drill due now's

    @property
    def cadence(self) -> str:
        return self.entry.label

    @property
    def recovery(self) -> RecoveryResult | None:
        return self.last.recovery.get(self.system) if self.last else None


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st becomes the month's last day."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def on_day(year: int, month: int, day: int, tz: tzinfo | None) -> datetime:
    """00:00 on `day` of that month, or on its last day when it has fewer."""
    last = calendar.monthrange(year, month)[1]
    return datetime(year, month, min(day, last), tzinfo=tz)


def month_due(day: int, when: datetime) -> datetime:
    """The monthly date on `day` that falls next after the one `when` is past (or on):
    a drill at `when` covers its month, counted from that day."""
    this = on_day(when.year, when.month, day, when.tzinfo)
    back = add_months(when.replace(day=1), -1) if when < this else when.replace(day=1)
    start = on_day(back.year, back.month, day, when.tzinfo)  # the date `when` is past
    after = add_months(start.replace(day=1), 1)
    return on_day(after.year, after.month, day, when.tzinfo)


def next_due(entry: ScheduleEntry, passed: datetime) -> datetime:
    """When the drill that passed at `passed` stops covering the cadence."""
    if entry.every:
        return passed + parse_period(entry.every)
    if entry.cadence is Cadence.MONTHLY and entry.day is not None:
        return month_due(entry.day, passed)
    if entry.cadence is Cadence.MONTHLY:
        return add_months(passed, 1)
    if entry.cadence is Cadence.ANNUAL_DR:
        return add_months(passed, 12)
    return passed + timedelta(hours=entry.window_hours)


def notice(entry: ScheduleEntry) -> timedelta:
    """How long before its due date a drill shows DUE."""
    if entry.every:
        return min(parse_period(entry.every) / 4, MAX_NOTICE)
    if entry.cadence is Cadence.ANNUAL_DR:
        return ANNUAL_NOTICE
    if entry.cadence is Cadence.MONTHLY:
        return MONTHLY_NOTICE
    return timedelta(0)


def standing_of(entry: ScheduleEntry, due: datetime | None, now: datetime) -> Standing:
    """before-deploy is DUE whenever no passing drill is valid, or the latest failed (it
    is needed only before a deployment, so never OVERDUE); the others are DUE within their
    notice, OVERDUE after the date, and OVERDUE when never passed or the latest failed."""
    if entry.cadence is Cadence.BEFORE_DEPLOY:
        return Standing.OK if due is not None and now < due else Standing.DUE
    if due is None or now >= due:
        return Standing.OVERDUE
    return Standing.DUE if now >= due - notice(entry) else Standing.OK


def system_cadence(
    entry: ScheduleEntry, system: str, runs: list[DrillRun], now: datetime
) -> SystemCadence:
    every = sorted(
        (r for r in runs if r.scenario == entry.scenario and system in r.systems),
        key=lambda r: r.at,
    )
    mine = [r for r in every if r.at <= now]  # a pass dated ahead of this clock proves nothing
    # a failure dated ahead (this clock stepped back since it was written) is still the
    # latest word on the rollback: never skipped, or an earlier pass would open the gate
    ahead = [r for r in every if r.at > now and not r.passed]
    last = ahead[-1] if ahead else mine[-1] if mine else None
    passed = next((r for r in reversed(mine) if r.passed), None)
    due = next_due(entry, passed.at) if passed else None
    if last is not None and not last.passed:
        # the latest drill failed: a pass before it no longer holds, on any cadence (a
        # deployment waits on it; a monthly one read "FAILED ... ok" until next month)
        due = None
    standing = standing_of(entry, due, now)
    missed, latest = _fallen_due(entry, passed.at, now) if passed and due else ([], None)
    return SystemCadence(system, entry, last, passed, due, standing, tuple(missed), latest)


MAX_MISSED = 120  # dates counted at most: ten years of a monthly cadence


def due_dates(entry: ScheduleEntry, passed: datetime) -> Iterator[datetime]:
    """The dates the cadence falls due on after a drill passed at `passed`, in order, the
    n-th counted from `passed` itself: a month after August 31st is September 30th, two
    months October 31st. Stepped from the date before, every later one kept the 30th,
    and a January 31st's April date came on the 28th: due now, two days early."""
    months = 12 if entry.cadence is Cadence.ANNUAL_DR else 1
    for n in count(1):
        if entry.every:
            yield passed + n * parse_period(entry.every)
        elif entry.day is None and entry.cadence in (Cadence.MONTHLY, Cadence.ANNUAL_DR):
            yield add_months(passed, n * months)
        else:  # on a `day` (kept whatever the month's length), or before-deploy's window
            passed = next_due(entry, passed)
            yield passed


def _fallen_due(
    entry: ScheduleEntry, passed: datetime, now: datetime
) -> tuple[list[datetime], datetime | None]:
    """The dates the cadence fell due on since the drill that passed at `passed`, up to
    `now`: those before the latest (MAX_MISSED at most), and the latest, the one the drill
    due now is for, however many were not counted (it read the last one counted: an hourly
    cadence off for 30 days, 'due now, for' a date five days after its pass)."""
    missed: list[datetime] = []
    latest: datetime | None = None
    if entry.cadence is Cadence.BEFORE_DEPLOY:
        return missed, latest
    for when in due_dates(entry, passed):  # in order, a day or more apart but with `every`
        if when > now:
            break
        if latest is not None and len(missed) < MAX_MISSED:
            missed.append(latest)
        latest = when
        if entry.every and len(missed) == MAX_MISSED:  # straight to the latest: an hourly
            period = parse_period(entry.every)  # cadence off for a year is 8,760 dates
            latest = passed + (now - passed) // period * period
            break
    return missed, latest


def schedule_status(
    drills: DrillSettings, runs: list[DrillRun], now: datetime
) -> list[SystemCadence]:
    """Every system's standing on every cadence that names it, in configuration order."""
    return [
        system_cadence(entry, system, runs, now)
        for entry in drills.schedule
        for system in drills.systems_of(entry)
    ]


def due_scenarios(status: list[SystemCadence]) -> list[str]:
    """Scenarios to run now: those of every cadence whose date has come (OVERDUE), each
    once. Not one DUE within its notice: run then, a drill moves the next date earlier by
    the notice each time (a monthly one every three weeks), and on a fixed `day` it would
    cover the month before, run again each day until the date; nor before-deploy (run by
    the gate, right before a deployment)."""
    return list(dict.fromkeys(s.entry.scenario for s in status if s.standing is Standing.OVERDUE))


class GateError(ValueError):
    """The gate cannot judge: a system has no before-deploy cadence."""


def gate(
    drills: DrillSettings, systems: list[str], runs: list[DrillRun], now: datetime
) -> list[SystemCadence]:
    """Each system's before-deploy standing (all of its before-deploy entries)."""
    found = []
    for system in systems:
        entries = [
            e
            for e in drills.schedule
            if e.cadence is Cadence.BEFORE_DEPLOY and system in drills.systems_of(e)
        ]
        if not entries:
            raise GateError(f"system {system!r} has no before-deploy cadence in drills.toml")
        found += [system_cadence(e, system, runs, now) for e in entries]
    return found
