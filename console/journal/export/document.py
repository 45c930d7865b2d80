"""Events in, the rollback document's facts out: one fold, then each section's builder."""

from __future__ import annotations

from console.journal.export.facts import Document
from console.journal.export.failure_facts import build_failures
from console.journal.export.followup import build_history, build_review
from console.journal.export.milestones import build_milestones
from console.journal.export.overview import build_impact, build_summary
from console.journal.export.resolution import (
    build_halts,
    build_notifications,
    build_steps,
    step_titles,
)
from console.journal.export.systems import build_integrity, build_systems
from console.journal.export.timeline import build_timeline
from console.journal.export.trigger_details import build_trigger
from console.model.events import Event
from console.model.state import IncidentState, fold


def settled(events: list[Event]) -> IncidentState:
    """The incident as a reader sees it: a command with no recorded outcome is unknown."""
    return fold(events).settle()


def build_document(
    events: list[Event], starred_only: bool = False, total: int | None = None
) -> Document:
    """`total`: the incident's events, when `events` leaves out the stdout of commands
    that the document never reads (EventLog.documented)."""
    state = settled(events)
    milestones = build_milestones(events, state)
    systems = build_systems(events, state, step_titles(events))
    trigger = build_trigger(events)
    notifications = build_notifications(events, state)
    failures = build_failures(events, state)
    return Document(
        title=state.title or state.incident_id or "Rollback",
        summary=build_summary(events, state, milestones, systems, trigger, notifications, failures),
        impact=build_impact(state, milestones),
        trigger=trigger,
        milestones=milestones,
        systems=systems,
        integrity=build_integrity(state),
        steps=build_steps(events, state),
        failures=failures,
        halts=build_halts(events),
        notifications=notifications,
        timeline=build_timeline(events, state, starred_only, total),
        review=build_review(state),
        history=build_history(events),
    )
