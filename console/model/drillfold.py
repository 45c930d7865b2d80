"""Fold handlers for a drill's own records: its scenario, injected faults, verdict."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.model.events import Event, Kind
from console.model.watchfold import first_trigger

if TYPE_CHECKING:
    from console.model.state import IncidentState


def _started(s: IncidentState, e: Event) -> None:
    s.scenario = dict(e.data)


def _fault(s: IncidentState, e: Event) -> None:
    """An injected fault is where a drill's recovery clock starts."""
    s.faults.append({**e.data, "at": e.ts.isoformat(), "undone": None})
    first_trigger(s, e.ts)


def _undone(s: IncidentState, e: Event) -> None:
    for fault in s.faults:
        if fault.get("name") == e.data.get("name") and fault["undone"] is None:
            fault["undone"] = {"ok": bool(e.data.get("ok")), "detail": e.data.get("detail", "")}
            break


def _judged(s: IncidentState, e: Event) -> None:
    s.drill_verdict = dict(e.data)


DRILL_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    Kind.DRILL_STARTED: _started,
    Kind.DRILL_FAULT: _fault,
    Kind.DRILL_FAULT_UNDONE: _undone,
    Kind.DRILL_JUDGED: _judged,
}
