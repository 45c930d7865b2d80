"""Fold handlers for the watch events: firings, countdowns, samples, soak, recovery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from console.model import payloads
from console.model.events import Event, Kind
from console.model.recovery import Recovery

if TYPE_CHECKING:
    from console.model.state import IncidentState


def first_trigger(s: IncidentState, when: datetime) -> None:
    """Recovery time counts from the earliest trigger event."""
    if s.first_trigger_at is None or when < s.first_trigger_at:
        s.first_trigger_at = when


def _fired(s: IncidentState, e: Event) -> None:
    fired = e.payload(payloads.TriggerFired)
    s.firings.append({**fired.dump(), "seq": e.seq})
    first_trigger(s, datetime.fromisoformat(fired.fired_at) if fired.fired_at else e.ts)


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
