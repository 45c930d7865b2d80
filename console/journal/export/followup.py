"""The end of the document: root cause, remediation, procedure updates, the retry, action
items, lessons learned in three parts, and the change history with every amendment."""

from __future__ import annotations

from console.journal.describe import describe
from console.journal.event_phrases import field_title
from console.journal.export import reading
from console.journal.export.facts import HistoryEntry, Lessons, Retry, Review
from console.model.action_item import ActionItem
from console.model.events import Event, Kind
from console.model.form_fields import FormField
from console.model.payloads import CommanderHandedOver, FieldSet, IncidentResumed
from console.model.state import IncidentState

AMENDABLE = (Kind.FIELD_SET, Kind.NOTE_ADDED, Kind.STEP_COMPLETED, Kind.EVENT_STARRED)


def build_review(state: IncidentState) -> Review:
    def field(f: FormField) -> str | None:
        return state.fields.get(f.value, "").strip() or None

    items = []
    for row in state.action_items:
        try:
            items.append(ActionItem.model_validate(row))
        except ValueError:
            continue  # a row a newer version wrote differently: the JSON events keep it
    return Review(
        root_cause=field(FormField.ROOT_CAUSE),
        remediation=field(FormField.REMEDIATION),
        procedure_updates=field(FormField.PROCEDURE_UPDATES),
        retry=Retry(at=field(FormField.RETRY_SCHEDULE), owner=field(FormField.RETRY_OWNER)),
        action_items=items,
        lessons=Lessons(
            went_well=field(FormField.WENT_WELL),
            went_wrong=field(FormField.WENT_WRONG),
            got_lucky=field(FormField.GOT_LUCKY),
            notes=field(FormField.LESSONS),
        ),
    )


def _quoted(value: object) -> str:
    text = str(value or "")
    return "“" + (text if len(text) <= 120 else text[:119] + "…") + "”"


def _amended(event: Event, was: object = None) -> str:
    """What an amendment changed, in words, and what the field held before (`was`): the
    document shows only the latest value, so what was believed at the close stays read."""
    if isinstance(event.data, FieldSet):
        value = event.data.value
        if isinstance(value, list):
            before = f" (was {len(was)} row(s))" if isinstance(was, list) and was else ""
            return f"set the action items ({len(value)} row(s)){before}"
        name = field_title(reading.field_name(event))
        before = f" (was {_quoted(was)})" if was and not isinstance(was, list) else ""
        return (f"set {name} to {_quoted(value)}" if value else f"cleared {name}") + before
    return describe(event).removesuffix(" (amendment after the close)")


def _handed_over(d: CommanderHandedOver) -> str:
    """`handed command over to rbbob (from rbalice): shift change`: why, as whoever took
    command or asked for it said it, and how it was handed over when a console said so (the
    copy of a teammate's journal, its bytes and sum, stays in the timeline)."""
    reason, note = (d.reason or "").strip(), (d.note or "").strip()
    why = reason or note
    if reason and note and not note.startswith(reason):  # asked for: how it was answered
        # the note of a request names it ('asked for by rbbob (...): REASON; handed over
        # at this console'): said once, as the timeline says it
        why = note if reason in note else f"{reason} ({note})"
    return (
        f"handed command over to {d.to}"
        + (f" (from {d.previous})" if d.previous else "")
        + (f": {why}" if why else "")
    )


def build_history(events: list[Event]) -> list[HistoryEntry]:
    """Creation, every reopening, every hand-over of command and the close, and each change
    recorded after a close (marked as an amendment, or, in older journals, simply written
    after it). A hand-over had no row: the history showed one commander opening the
    incident and another resuming it, never when command changed hands, nor why."""
    out = []
    closed = False
    held: dict[str, object] = {}  # each field's value so far
    for event in events:
        who = reading.login(event)
        was = None
        if isinstance(event.data, FieldSet):
            was = held.get(event.data.field)
            held[event.data.field] = event.data.value
        if event.kind == Kind.INCIDENT_OPENED:
            out.append(
                HistoryEntry(at=event.ts, who=who, what="opened the incident", kind="created")
            )
        elif event.kind == Kind.INCIDENT_CLOSED:
            closed = True
            what = f"closed the incident: {reading.outcome(event)}"
            out.append(HistoryEntry(at=event.ts, who=who, what=what, kind="closed"))
        elif isinstance(event.data, CommanderHandedOver):
            what = _handed_over(event.data)
            out.append(HistoryEntry(at=event.ts, who=who, what=what, kind="handed-over"))
        elif event.kind == Kind.INCIDENT_RESUMED:
            closed = closed and bool(event.payload(IncidentResumed).amendments_only)
            out.append(HistoryEntry(at=event.ts, who=who, what=describe(event), kind="reopened"))
        elif reading.amendment(event) or (closed and event.kind in AMENDABLE):
            what = _amended(event, was)
            out.append(HistoryEntry(at=event.ts, who=who, what=what, kind="amended"))
    return out
