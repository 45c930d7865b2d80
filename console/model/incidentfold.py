"""Fold handlers for the incident's own facts: opened, resumed, closed, its trigger and
commander, its systems and strategy, the document's fields, notes, stars and exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.model import payloads
from console.model.events import Event, Kind
from console.model.payloads import IncidentClosed, IncidentOpened
from console.model.records import Compared
from console.model.status import StepStatus
from console.model.watchfold import first_trigger

if TYPE_CHECKING:
    from console.model.state import IncidentState


@dataclass(repr=False, eq=False)
class Trigger(Compared):
    kind: str
    label: str
    automatic: bool
    reason: str
    declared_by: str
    declared_at: datetime
    evidence: list[dict[str, Any]] = field(default_factory=list)


def _opened(s: IncidentState, e: Event) -> None:
    d = e.payload(IncidentOpened)
    s.incident_id = d.incident_id
    s.title = d.title
    s.drill = d.drill
    s.opened_at, s.opened_mono = e.ts, e.mono
    s.opened_by = e.who.user
    s.verifies = d.verifies or ""
    s.strategy_steps = {step["id"] for step in d.steps if step["kind"] == "strategy"}
    s.planned_steps = {step["id"] for step in d.steps}
    s.probe_steps = {step["id"] for step in d.steps if step["kind"] == "probe"}
    s.named_strategies = {step["id"]: step["strategy"] for step in d.steps if "strategy" in step}


def _resumed(s: IncidentState, e: Event) -> None:
    s.settle()
    s.resumed = True
    for st in s.steps.values():  # what ran in the console that died runs no more
        if st.status is StepStatus.RUNNING:
            st.cut_short = True
            st.stop_between_waves()
            if st.id in s.probe_steps:
                s.stop_checking(st, "the console ended before it finished (killed, or crashed)")
    if e.payload(payloads.IncidentResumed).amendments_only:
        return  # a closed incident reopened to amend its record: it stays closed
    s.closed_at = None
    s.outcome = None
    s.outcome_label = ""


def _closed(s: IncidentState, e: Event) -> None:
    d = e.payload(IncidentClosed)
    s.closed_at, s.closed_mono, s.resumed_before_close = e.ts, e.mono, s.resumed
    s.outcome = d.outcome
    s.outcome_label = d.label or d.outcome
    s.closed_by = e.who.user
    s.unknown_at_close = list(d.unknown or [])
    s.left_at_close = list(d.hosts or [])


def _trigger(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.TriggerDeclared)
    s.trigger = Trigger(
        kind=d.kind,
        label=d.label or d.kind,
        automatic=d.automatic,
        reason=d.reason,
        declared_by=e.who.user,
        declared_at=e.ts,
        evidence=list(d.evidence),
    )
    first_trigger(s, e.ts, e.mono, e.seq)
    if d.commander and d.commander != s.commander:
        _command(s, d.commander, e)


def _command(s: IncidentState, name: str, e: Event) -> None:
    s.commander = name
    s.commanders.append({"name": name, "since": e.ts, "by": e.who.user})


def _handed_over(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.CommanderHandedOver)
    _command(s, d.to, e)
    s.commanders[-1] |= {"from": d.previous or "", "reason": d.reason or ""}


def _selected(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.SystemsSelected)
    s.systems = list(d.systems)
    s.hosts = dict(d.hosts)


def _strategy(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.StrategyChosen)
    s.strategy = d.strategy
    s.params = dict(d.params)


def _resolved(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.StrategyResolved)
    for group in d.groups:
        for host in group.get("hosts", []):
            asked = f"{d.param}={d.symbolic}"
            s.resolved[host] = (asked, group.get("value", ""), group.get("current", ""))


def _field(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.FieldSet)
    if isinstance(d.value, list):  # action items: the whole table, as last saved
        s.action_items = [dict(row) for row in d.value]
    else:
        s.fields[d.field] = d.value


def _note(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.NoteAdded)
    s.notes.append((e.seq, d.text))
    if d.about is not None:
        s.annotations.setdefault(d.about, []).append(d.text)
    if e.where.step:
        s.step(e.where.step).notes.append(d.text)


def _verified(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.UnknownVerified)
    if d.by:  # after the close, by hand: what was found, beside the outcome it closed with
        s.verified_by_hand.update(d.verdicts)
        s.verified_by = d.by


def _star(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.EventStarred)
    if d.starred:
        s.stars.add(d.seq)
    else:
        s.stars.discard(d.seq)


def _export(s: IncidentState, e: Event) -> None:
    s.exports.append(e.payload(payloads.ExportWritten).dump())


# Keyed by kind as a str: an event's kind is a str, equal to its Kind member.
INCIDENT_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    Kind.INCIDENT_OPENED: _opened,
    Kind.INCIDENT_RESUMED: _resumed,
    Kind.INCIDENT_CLOSED: _closed,
    Kind.TRIGGER_DECLARED: _trigger,
    Kind.COMMANDER_HANDED_OVER: _handed_over,
    Kind.SYSTEMS_SELECTED: _selected,
    Kind.STRATEGY_CHOSEN: _strategy,
    Kind.STRATEGY_RESOLVED: _resolved,
    Kind.FIELD_SET: _field,
    Kind.NOTE_ADDED: _note,
    Kind.EVENT_STARRED: _star,
    Kind.UNKNOWN_VERIFIED: _verified,
    Kind.EXPORT_WRITTEN: _export,
}
