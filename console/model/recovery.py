"""A system's recovery time: from its first trigger event to verified stable, against its
target (the system's RTO, or a drill's). One wording wherever a verdict is shown, the
words of the procedure's "recovery time validation": `within target`, `target exceeded`
(the timeline said "RTO exceeded" where the drill's report said "target exceeded")."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

WITHIN_TARGET = "within target"
TARGET_EXCEEDED = "target exceeded"
NO_TARGET = "no target"
# nothing timed a recovery the strategy's verify verified: what would have
NO_CHECK = "not measured: the procedure has no stability check (a probe step) to time it"


def recovery_verdict(seconds: float, target_minutes: float | None) -> str:
    """`within target`, `target exceeded`, or `no target`: the words every reader shows,
    also for a journal that recorded older ones (`within RTO`, `RTO exceeded`)."""
    if target_minutes is None:
        return NO_TARGET
    return WITHIN_TARGET if seconds <= target_minutes * 60 else TARGET_EXCEEDED


class Recovery(NamedTuple):
    """Time from the first trigger event to verified stable, against the system's RTO."""

    system: str
    started: datetime
    verified: datetime
    seconds: float
    rto_minutes: float | None
    clock: str | None = None  # `wall`: timed on the wall clock (RecoveryMeasured.clock)
    wall_step: float | None = None  # the wall clock's step while it was timed, seconds

    @property
    def verdict(self) -> str:
        return recovery_verdict(self.seconds, self.rto_minutes)


STEP_SAID = 1.0  # seconds: a wall clock stepped by less is not said


def measure_recovery(
    system: str,
    started: datetime,
    verified: datetime,
    rto_minutes: float | None,
    monotonic: float | None = None,
) -> Recovery:
    """From `started` to `verified` (wall times, for the record), timed by the monotonic
    clock's `monotonic` seconds between them where it could be read (a step of the wall
    clock in between then counts for nothing, and is kept as `wall_step`), else by the
    wall clock (`clock` = wall)."""
    wall = (verified - started).total_seconds()
    if monotonic is None:
        return Recovery(system, started, verified, round(max(0.0, wall), 3), rto_minutes, "wall")
    step = round(wall - monotonic, 3)
    stepped = step if abs(step) >= STEP_SAID else None
    seconds = round(max(0.0, monotonic), 3)
    return Recovery(system, started, verified, seconds, rto_minutes, None, stepped)


def stop_said(stopped: str) -> str:
    """Where a recovery stopped, in words no reader takes for the point restored to.
    PostgreSQL's history file names the transaction it stopped at by its commit time:
    `before 2025-05-16 10:29:30.25+00` is the first transaction NOT replayed (a time past
    the target asked for), `after ...` the last one replayed; the rest (`at restore point
    "x"`, `after LSN 0/3000060`, `reached consistency`) reads as it is."""
    side, _, at = stopped.partition(" ")
    if side in ("before", "after") and at[:1].isdigit():
        which = "the first not replayed" if side == "before" else "the last replayed"
        return f"{side} the transaction committed at {at}, {which}"
    return stopped
