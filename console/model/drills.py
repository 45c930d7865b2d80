"""drills.toml: drill scenarios (what to break, what to run, what must come out) and the
test schedule (monthly, every N days, before a deployment, the annual DR exercise)."""

import re
from datetime import timedelta
from enum import StrEnum
from typing import Literal, Self

from pydantic import field_validator, model_validator

from console.model.base import Field, Strict
from console.model.bounds import NAME_PATTERN, YEAR_SECONDS
from console.model.problems import did_you_mean
from console.model.templates import placeholders
from console.model.triggers import TriggerKind

FAULT_PLACEHOLDERS = frozenset({"host", "system", "incident"})
PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
PERIOD_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
MAX_PERIOD = timedelta(days=3650)  # a cadence longer is a typo; far longer leaves the calendar


class DrillOutcome(StrEnum):
    """How a drill's rollback ended; a scenario says which one it expects."""

    VERIFIED = "verified"  # rolled back on every host and verified stable
    UNVERIFIED = "unverified"  # rolled back on every host; stability not verified
    PARTIAL = "partial"  # rolled back on some hosts, not on others
    HALTED = "halted"  # stopped by the strategy's failure threshold
    REFUSED = "refused"  # a precheck refused before anything changed there
    FAILED = "failed"  # otherwise not rolled back and verified

    @property
    def title(self) -> str:  # type: ignore[override]  # str.title() is not used on it
        return OUTCOME_TITLES[self]


OUTCOME_TITLES = {
    DrillOutcome.VERIFIED: "rolled back and verified",
    DrillOutcome.UNVERIFIED: "rolled back, not verified",
    DrillOutcome.PARTIAL: "partially rolled back",
    DrillOutcome.HALTED: "halted by the failure threshold",
    DrillOutcome.REFUSED: "refused by a precheck",
    DrillOutcome.FAILED: "failed",
}


class Scope(StrEnum):
    """What a drill walks: the whole procedure, or only the strategy and its verification."""

    PROCEDURE = "procedure"
    STRATEGY = "strategy"


def _known_placeholders(template: str) -> None:
    """Refuse a `{{...}}` that a drill's own command does not fill (never sent as is)."""
    unknown = sorted(placeholders(template) - FAULT_PLACEHOLDERS)
    if unknown:
        known = ", ".join(sorted(FAULT_PLACEHOLDERS))
        raise ValueError(f"unknown placeholder {{{{{unknown[0]}}}}} (known: {known})")


class Fault(Strict):
    """One fault a drill injects before its trigger, recorded in the journal.

    `inject` is a demo fault (`KIND:HOST`, the demo fleet only); `command` runs on
    `hosts` (or every host of `systems`) of a real or staging fleet, and `undo` puts it
    back when the drill ends, whatever its result.
    """

    name: str = ""
    inject: str | None = Field(default=None, pattern=r"^[a-z-]+:[A-Za-z0-9._-]+$")
    command: str | None = None
    undo: str | None = None
    hosts: list[str] = []
    systems: list[str] = []

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        # Blank is absent: a blank command crashed `drill --list` (its label), a blank
        # undo would read "undone" with nothing undone.
        command, undo = (self.command or "").strip(), (self.undo or "").strip()
        if self.command is not None and not command:
            raise ValueError("`command` is blank: write the command that sets the fault")
        if bool(self.inject) == bool(command):
            raise ValueError("a fault is either `inject` (demo) or `command` (with its `undo`)")
        if self.inject and (self.undo or self.hosts or self.systems):
            raise ValueError("a demo fault (`inject`) names its host itself; no undo, hosts")
        if command and not (self.hosts or self.systems):
            raise ValueError("a fault command needs the `hosts` or `systems` it runs on")
        if command and self.hosts and self.systems:  # `hosts` alone ran; both were locked
            raise ValueError(
                "a fault command runs on its `hosts` or on every host of its `systems`:"
                " give one of them, not both"
            )
        if command and not undo:
            raise ValueError("a fault command needs its `undo`, run when the drill ends")
        for template in (self.command, self.undo):
            _known_placeholders(template or "")
        return self

    @property
    def label(self) -> str:
        if self.inject:
            return self.inject
        return self.name or (self.command or "").strip().splitlines()[0][:60]

    @property
    def demo_host(self) -> str | None:
        return self.inject.partition(":")[2] if self.inject else None


class Part(Strict):
    """One strategy on some systems; a disaster-recovery exercise has several."""

    systems: list[str] = Field(min_length=1)
    strategy: str
    params: dict[str, str] = {}


class IntegrityCheck(Strict):
    """A command printing `integrity ...` lines, run on `hosts` before the fault (the
    baseline) and after the rollback. `after = "baseline"`: the data must be exactly as
    it was; `"strategy"`: the baseline is recorded and the strategy's own integrity
    records (before, after, expected) must all match."""

    command: str
    hosts: list[str] = []  # default: every host of the scenario's systems
    after: Literal["baseline", "strategy"] = "baseline"

    @field_validator("command")
    @classmethod
    def _placeholders(cls, command: str) -> str:
        if not command.strip():
            raise ValueError("is blank: write the command that prints the `integrity` line")
        _known_placeholders(command)
        return command


class Scenario(Strict):
    """A planned drill: its faults, trigger, rollback, and what must come out of it."""

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    systems: list[str] = []
    strategy: str | None = None
    params: dict[str, str] = {}
    parts: list[Part] = []
    scope: Scope = Scope.PROCEDURE
    trigger: TriggerKind
    reason: str = ""
    expect: DrillOutcome = DrillOutcome.VERIFIED
    rto_minutes: float | None = Field(default=None, gt=0, le=YEAR_SECONDS / 60, strict=True)
    timeout: float | None = Field(default=None, gt=0, le=YEAR_SECONDS, strict=True)
    faults: list[Fault] = []
    integrity: IntegrityCheck | None = None

    @model_validator(mode="after")
    def _what_runs(self) -> Self:
        if self.parts and (self.strategy or self.systems or self.params):
            raise ValueError("give `parts` (several strategies) or `systems` and `strategy`")
        if not self.parts and not (self.strategy and self.systems):
            raise ValueError("a scenario needs `systems` and `strategy`, or `parts`")
        if not self.trigger.automatic and not self.reason.strip():
            raise ValueError(f"a manual trigger ({self.trigger.label}) needs a `reason`")
        return self

    @property
    def plan(self) -> list[Part]:
        """What the drill rolls back, one part per strategy."""
        if self.parts:
            return list(self.parts)
        return [Part(systems=self.systems, strategy=self.strategy or "", params=self.params)]

    @property
    def all_systems(self) -> list[str]:
        return list(dict.fromkeys(s for part in self.plan for s in part.systems))

    @property
    def label(self) -> str:
        parts = "; ".join(f"{p.strategy} on {', '.join(p.systems)}" for p in self.plan)
        return f"{self.name}: {parts}"


class Cadence(StrEnum):
    MONTHLY = "monthly"
    BEFORE_DEPLOY = "before-deploy"
    ANNUAL_DR = "annual-dr"


# A cadence word that is a period: what `every` takes for it (`cadence = "weekly"` read
# "'weekly' is not one of: monthly, before-deploy, annual-dr", nothing saying what to write).
PERIOD_WORDS = {
    "hourly": "1h",
    "daily": "1d",
    "nightly": "1d",
    "weekly": "7d",
    "fortnightly": "14d",
    "biweekly": "14d",
    "quarterly": "13w",
}


def _cadence_said(value: object) -> object:
    """A cadence word none of Cadence's, refused with what to write instead: the `every`
    of its period (`weekly`: every = "7d"), else the closest cadence and `every`'s form."""
    if not isinstance(value, str) or value in Cadence.__members__.values():
        return value
    refused = f"{value!r} is not one of: {', '.join(Cadence)}"
    if period := PERIOD_WORDS.get(value.strip().lower().replace("-", "")):
        raise ValueError(
            f'{refused}; for {value.strip()}, write every = "{period}" in place of cadence'
        )
    refused += did_you_mean(value, list(Cadence))
    raise ValueError(f'{refused}; another period is every = "N" with h, d or w ("7d": weekly)')


def parse_period(text: str) -> timedelta:
    """`30d`, `2w` or `12h` as a timedelta; ValueError names what is accepted."""
    match = PERIOD.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"period {text!r}: expected a number and h, d or w, e.g. 30d")
    count, unit = int(match.group(1)), PERIOD_UNITS[match.group(2)]
    if count > MAX_PERIOD / timedelta(**{unit: 1}):  # before timedelta, which overflows
        raise ValueError(f"period {text!r} is longer than ten years (3650d)")
    return timedelta(**{unit: count})


class ScheduleEntry(Strict):
    """A cadence for some systems and the scenario that keeps it: `cadence` monthly,
    before-deploy (a passing drill counts for `valid_hours`) or annual-dr, or `every`."""

    scenario: str
    cadence: Cadence | None = None
    every: str | None = None
    systems: list[str] = []  # default: the scenario's systems
    valid_hours: float | None = Field(default=None, gt=0, le=YEAR_SECONDS / 3600, strict=True)
    # monthly: the day of the month it falls due (31: a shorter month's last day), at 00:00
    # UTC, whatever day the drill that covered the month before ran on
    day: int | None = Field(default=None, ge=1, le=31, strict=True)

    @field_validator("cadence", mode="before")
    @classmethod
    def _cadence(cls, cadence: object) -> object:
        return _cadence_said(cadence)

    @field_validator("every")
    @classmethod
    def _period(cls, every: str | None) -> str | None:
        if every is not None:
            parse_period(every)
        return every

    @model_validator(mode="after")
    def _one_cadence(self) -> Self:
        if self.cadence is not None and self.every is not None:
            raise ValueError(
                f"give `cadence` or `every`, not both (cadence = {self.cadence.value!r},"
                f" every = {self.every!r}): two entries drill it on both"
            )
        if self.cadence is None and self.every is None:
            raise ValueError("give `cadence` (monthly, before-deploy, annual-dr) or `every`")
        if self.valid_hours is not None and self.cadence is not Cadence.BEFORE_DEPLOY:
            raise ValueError("`valid_hours` is for the before-deploy cadence")
        if self.day is not None and self.cadence is not Cadence.MONTHLY:
            raise ValueError("`day` (of the month) is for the monthly cadence")
        return self

    @property
    def label(self) -> str:
        if self.every:
            return f"every {self.every.strip()}"
        if self.cadence is Cadence.BEFORE_DEPLOY:
            return f"before-deploy ({self.window_hours:g} h)"
        if self.day is not None:
            return f"monthly (day {self.day})"
        return str(self.cadence)

    @property
    def short_label(self) -> str:
        """The label in a few columns: `pre-deploy 24h`."""
        if self.cadence is Cadence.BEFORE_DEPLOY:
            return f"pre-deploy {self.window_hours:g}h"
        return self.label

    @property
    def window_hours(self) -> float:
        return self.valid_hours or DEFAULT_VALID_HOURS


DEFAULT_VALID_HOURS = 24.0
