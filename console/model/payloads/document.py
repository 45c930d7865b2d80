"""What the commander adds to the record: fields of the document, notes, stars, exports."""

from console.model.event_kinds import Kind
from console.model.payloads.base import Amendable, JsonObject, Payload
from console.model.payloads.record import Field


class FieldSet(Amendable):
    """A field of the rollback document was filled in (see [export.md](export.md))."""

    KIND = Kind.FIELD_SET
    field: str = Field(
        description="reason, severity, impact_users, impact_start, impact_end,"
        " business_impact, root_cause, remediation, action_items, procedure_updates,"
        " went_well, went_wrong, got_lucky, lessons, retry_schedule, retry_owner"
    )
    value: str | list[JsonObject] = Field(
        description="text (a date-time as `YYYY-MM-DD HH:MM`, UTC), or for `action_items`"
        " the whole table as a list of {`action`, `type`, `owner`, `priority`, `due`, `ticket`}"
    )


class NoteAdded(Amendable):
    """A free-text note: on a step when `where.step` is set."""

    KIND = Kind.NOTE_ADDED
    text: str = Field(description="the note")
    about: int | None = Field(None, description="the seq of the event it annotates")


class EventStarred(Amendable):
    """An event was starred (kept in a starred-only export) or unstarred."""

    KIND = Kind.EVENT_STARRED
    seq: int = Field(description="the event")
    starred: bool = Field(True, description="starred, or unstarred")


class ExportWritten(Payload):
    """The rollback document was written to a file."""

    KIND = Kind.EXPORT_WRITTEN
    path: str = Field(description="where")
    format: str = Field(description="`markdown`, `json` or `node`")
    starred_only: bool = Field(False, description="only starred events")
