"""Fold handlers for the watch events: firings, countdowns, samples, soak, recovery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from console.model import payloads
from console.model.events import Event, Kind
from console.model.recovery import Recovery

MOMENT = 60.0  # seconds between a sample and its firing's event, at most, to time from it

if TYPE_CHECKING:
    from console.model.state import IncidentState


def first_trigger(s: IncidentState, when: datetime, mono: float | None, seq: int) -> None:
    """Recovery time counts from the earliest trigger event: its wall time for the record,
    its monotonic time (`mono`, of the event of seq `seq`) to time it. Which is earliest
    is read on the monotonic clock where both have one and it runs as the journal does
    (one boot: a wall clock stepped back makes a later firing read earlier than the
    fault), else on the wall clock (a console resumed after a reboot counts anew)."""
    first, first_mono = s.first_trigger_at, s.first_trigger_mono
    if first is None:
        earlier = True
    elif (
        mono is not None
        and first_mono is not None
        and (mono - first_mono) * (seq - s.first_trigger_seq) >= 0
    ):
        earlier = mono < first_mono
    else:
        earlier = when < first
    if earlier:
        s.first_trigger_at, s.first_trigger_mono, s.first_trigger_seq = when, mono, seq


def _fired(s: IncidentState, e: Event) -> None:
    fired = e.payload(payloads.TriggerFired)
    s.firings.append({**fired.dump(), "seq": e.seq})
    at = datetime.fromisoformat(fired.fired_at) if fired.fired_at else e.ts
    # the sample that fired it was read a moment before its event: that moment taken back
    # from the event's monotonic time (a gap past a minute is no moment: not timed so)
    gap = (e.ts - at).total_seconds()
    first_trigger(s, at, e.mono - gap if 0 <= gap <= MOMENT else None, e.seq)


def _countdown(s: IncidentState, e: Event) -> None:
    status = {
        Kind.COUNTDOWN_STARTED: "running",
        Kind.COUNTDOWN_CANCELLED: "cancelled",
        Kind.COUNTDOWN_ELAPSED: "elapsed",
    }[Kind(e.kind)]
    s.countdown = {**(s.countdown or {}), **e.data.dump(), "status": status, "by": e.who.user}


def _merged(s: IncidentState, e: Event) -> None:
    s.merged.append({**e.payload(payloads.TriggerMerged).dump(), "seq": e.seq, "by": e.who.user})


def _dismissed(s: IncidentState, e: Event) -> None:
    s.dismissed.append(
        {**e.payload(payloads.TriggerDismissed).dump(), "seq": e.seq, "by": e.who.user}
    )


def _probe_sample(s: IncidentState, e: Event) -> None:
    sample = e.payload(payloads.ProbeSample)
    s.probes[sample.probe] = sample.dump()


def _soak(s: IncidentState, e: Event) -> None:
    s.soak[e.where.step or ""] = e.data.dump()


def _recovery(s: IncidentState, e: Event) -> None:
    d, system = e.payload(payloads.RecoveryMeasured), e.where.system or "?"
    s.recovery[system] = Recovery(
        system=system,
        started=datetime.fromisoformat(d.started),
        verified=datetime.fromisoformat(d.verified),
        seconds=float(d.seconds),
        rto_minutes=d.rto_minutes,
        clock=d.clock,
        wall_step=None if d.wall_step is None else float(d.wall_step),
    )


# Keyed by kind as a str: an event's kind is a str, equal to its Kind member.
WATCH_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    Kind.TRIGGER_FIRED: _fired,
    Kind.TRIGGER_MERGED: _merged,
    Kind.TRIGGER_DISMISSED: _dismissed,
    Kind.COUNTDOWN_STARTED: _countdown,
    Kind.COUNTDOWN_CANCELLED: _countdown,
    Kind.COUNTDOWN_ELAPSED: _countdown,
    Kind.PROBE_SAMPLE: _probe_sample,
    Kind.SOAK_PROGRESS: _soak,
    Kind.RECOVERY_MEASURED: _recovery,
}
