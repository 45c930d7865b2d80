"""Time between two moments of an incident, timed as each system's recovery time is: on
the monotonic clock where both ends have a reading of one process's clock, else on the
wall clock, saying so. Seen on a drill on real sshd, NTP stepping the wall clock forward
an hour as the rollback started: 'Time to mitigate | 1 h 00 min 00 s' and 'Time to
recover | 1 h 00 min 01 s' beside a recovery time of 1 s; stepped back an hour at its
fault, 'Time to detect | 0 s'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from console.journal.times import duration
from console.model.events import Event, Kind
from console.model.recovery import STEP_SAID

MONOTONIC, WALL = "monotonic", "wall"


@dataclass(frozen=True)
class Moment:
    """A milestone's time: its wall time, and where an event gives one, the monotonic
    time and seq of that event (a value read before its event: the wall clock's gap
    between them taken back: a sample the watcher held until the journal began)."""

    at: datetime
    mono: float | None = None
    seq: int | None = None
    why_wall: str = ""  # why no monotonic reading: a host's time, a form's


def of_event(event: Event, at: datetime | None = None) -> Moment:
    """The moment of `event`, or of `at` read before it (a sample its event carries, held
    by the watcher until the incident's journal began; a verification its record follows)."""
    gap = 0.0 if at is None else (event.ts - at).total_seconds()
    if gap < 0:  # read after the event that carries it: the wall clock stepped between
        return Moment(at or event.ts, why_wall="read after its record, by the wall clock")
    return Moment(at or event.ts, event.mono - gap, event.seq)


def wall_only(at: datetime | None, why: str) -> Moment | None:
    return None if at is None else Moment(at, why_wall=why)


class Elapsed(NamedTuple):
    seconds: float
    clock: str  # MONOTONIC or WALL
    note: str  # why the wall clock, or that it was stepped in between; "" when neither
    wall_step: float | None  # seconds the wall clock was stepped in between, if 1 or more


def elapsed(start: Moment, end: Moment, events: list[Event]) -> Elapsed:
    """From `start` to `end`: on the monotonic clock when both have a reading of one
    process's (no console resumed the incident in between: a reboot restarts that clock),
    else on the wall clock, said why."""
    wall = (end.at - start.at).total_seconds()
    why = start.why_wall or end.why_wall
    if not why and start.seq is not None and end.seq is not None:
        low, high = sorted((start.seq, end.seq))
        if any(e.kind == Kind.INCIDENT_RESUMED and low < e.seq <= high for e in events):
            why = "the incident was resumed in between, by a console with a clock of its own"
    if why or start.mono is None or end.mono is None:
        note = f"timed on the wall clock: {why or 'no monotonic reading'}"
        return Elapsed(round(max(0.0, wall), 3), WALL, note, None)
    seconds = end.mono - start.mono
    step = round(wall - seconds, 3)
    if abs(step) < STEP_SAID:
        return Elapsed(round(max(0.0, seconds), 3), MONOTONIC, "", None)
    way = "forward" if step > 0 else "back"
    note = f"timed on the monotonic clock: the wall clock was stepped {way} by"
    note += f" {duration(abs(step))} in between"
    return Elapsed(round(max(0.0, seconds), 3), MONOTONIC, note, step)
