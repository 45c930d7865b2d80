"""Fold handlers for strategy and step records: integrity, assessment, halt, rollout
(its steps, where it was held), notify."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.model import payloads
from console.model.events import Event, Kind
from console.model.status import FailureClass, HostStatus

if TYPE_CHECKING:
    from console.model.state import IncidentState


def _integrity(s: IncidentState, e: Event) -> None:
    data = e.payload(payloads.IntegrityRecorded)
    s.integrity.append({"seq": e.seq, "step": e.where.step, "host": e.where.host, **data.dump()})
    if data.verdict in ("mismatch", "missing"):
        run = s.step(e.where.step or "").hosts.get(e.where.host or "")
        if run is not None:
            run.status = HostStatus.FAILED
            run.failure = FailureClass.INTEGRITY
            run.detail = data.detail


def _assessment(s: IncidentState, e: Event) -> None:
    for host, values in e.payload(payloads.AssessmentRecorded).hosts.items():
        s.assessment[host] = dict(values)


def _halted(s: IncidentState, e: Event) -> None:
    s.freezes.append({"step": e.where.step, "at": e.ts, **e.data.dump()})


def _rollout(s: IncidentState, e: Event) -> None:
    s.rollout.append({"step": e.where.step, "seq": e.seq, **e.data.dump()})


def _held(s: IncidentState, e: Event) -> None:
    """Every host ran the stage reached and stays there: held, not failed, not unsent."""
    data = e.payload(payloads.RolloutHeld)
    st = s.step(e.where.step or "")
    st.held = data
    for host in data.hosts:
        run = st.hosts.get(host)
        if run is not None:
            run.status = HostStatus.HELD
            run.detail = data.said()


def _notification(s: IncidentState, e: Event) -> None:
    if e.kind == Kind.NOTIFICATION_SENT:
        s.notifications.append({"seq": e.seq, "step": e.where.step, **e.data.dump()})
        return
    result = e.payload(payloads.NotificationResult)
    sent = next((n for n in reversed(s.notifications) if n["seq"] == result.sent), None)
    if sent is not None:
        sent["result"] = result.dump()


# Keyed by kind as a str: an event's kind is a str, equal to its Kind member.
STEP_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    Kind.INTEGRITY_RECORDED: _integrity,
    Kind.ASSESSMENT_RECORDED: _assessment,
    Kind.DELIVERY_HALTED: _halted,
    Kind.ROLLOUT_STEP: _rollout,
    Kind.ROLLOUT_HELD: _held,
    Kind.NOTIFICATION_SENT: _notification,
    Kind.NOTIFICATION_RESULT: _notification,
}
