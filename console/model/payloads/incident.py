"""The incident's own facts: opened, declared, scoped, locked, annotated, closed."""

from __future__ import annotations

from pydantic import Field
from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Number, Payload

AMENDMENT = (
    "written after `incident.closed`: the record was amended (who and when are the"
    " envelope's); the outcome stays"
)


class PlannedStep(TypedDict):
    id: str
    title: str
    kind: str
    phase: str


class IncidentOpened(Payload):
    """An incident starts."""

    KIND = Kind.INCIDENT_OPENED
    incident_id: str = Field(description="the incident's id (its directory's name)")
    title: str = Field("", description="what it is about, in a line")
    drill: bool = Field(False, description="a drill, not a real incident")
    procedure: str = Field("", description="the procedure's name")
    steps: list[PlannedStep] = Field(
        [], description="`id`, `title`, `kind`, `phase` of every step of the procedure"
    )


class InFlight(TypedDict):
    step: str
    host: str


class IncidentResumed(Payload):
    """Someone reopened the incident (after a crash or a closed terminal)."""

    KIND = Kind.INCIDENT_RESUMED
    unknown: list[InFlight] = Field(
        [],
        description="`step` and `host` of each command whose intent had no outcome: unknown,"
        " verify before retrying",
    )
    amendments_only: bool | None = Field(
        None, description="true when the incident was closed (it stays closed)"
    )


class IncidentClosed(Payload):
    """The incident ends; its `ts` is the end time."""

    KIND = Kind.INCIDENT_CLOSED
    outcome: str = Field(
        description="how it ended (`rolled-back`, `partial`, `aborted`, `not-needed`,"
        " `handed-over`; written by the program: `failed`, `dismissed`, `refused`,"
        " `completed`); older journals carry it in words"
    )
    label: str | None = Field(None, description="the outcome in words")
    reason: str | None = Field(None, description="why, in the commander's words")
    hosts: list[str] | None = Field(None, description="for `partial`: the hosts not rolled back")
    to: str | None = Field(None, description="for `handed-over`: to whom")


class Amendable(Payload):
    """A kind that may be written after the close, amending the record."""

    amendment: bool | None = Field(None, description=AMENDMENT)


class TriggerDeclared(Payload):
    """Why the rollback happens: a person declared it, or an automatic trigger did."""

    KIND = Kind.TRIGGER_DECLARED
    kind: str = Field(description="the trigger kind (`error-threshold`, `user-impact`, ...)")
    label: str = Field("", description="the kind in words")
    automatic: bool = Field(False, description="a probe's trigger, not a person's")
    reason: str = Field("", description="why, in words (a manual trigger always has one)")
    evidence: list[JsonObject] = Field(
        [],
        description="probe samples (as in `probe.sample`), with the samples of the other"
        " triggers firing at the same time",
    )
    commander: str | None = Field(
        None,
        description="who is in charge: by default the login name and SSH client address of"
        " whoever declares",
    )


class TriggerFired(Payload):
    """An automatic trigger's probe was bad for enough samples in a row."""

    KIND = Kind.TRIGGER_FIRED
    trigger: str = Field(description="the trigger's name")
    kind: str = Field(description="its kind")
    label: str = Field("", description="the kind in words")
    probe: str = Field("", description="`system/probe` that fired it")
    threshold: Number | None = Field(None, description="the threshold it crossed")
    consecutive: int = Field(0, description="bad samples in a row")
    policy: str = Field("", description="`propose` or `auto` (a countdown, then the rollback)")
    fired_at: str | None = Field(None, description="when (ISO 8601, UTC)")
    reason: str = Field("", description="what happened, in words")
    evidence: list[JsonObject] = Field([], description="the bad samples")


class TriggerMerged(Payload):
    """A firing was taken into the incident being driven as evidence, not declared."""

    KIND = Kind.TRIGGER_MERGED
    trigger: str = Field(description="the trigger's name")
    kind: str = Field(description="its kind")
    label: str = Field("", description="the kind in words")
    probe: str = Field("", description="`system/probe` that fired it")
    fired_at: str | None = Field(None, description="when (ISO 8601, UTC)")
    summary: str = Field("", description="what happened, in words")
    evidence: list[JsonObject] = Field([], description="the bad samples")


class TriggerDismissed(TriggerMerged):
    """Nobody took a firing up: who (the envelope), why and its evidence."""

    KIND = Kind.TRIGGER_DISMISSED
    reason: str = Field(description="why it was dismissed")


class CommanderHandedOver(Payload):
    """Someone else takes command; later events carry their name in `who.commander`."""

    KIND = Kind.COMMANDER_HANDED_OVER
    to: str = Field(description="the new commander")
    previous: str | None = Field(None, description="the one who handed over")
    note: str | None = Field(None, description="what was said at the hand-over")


class CountdownStarted(Payload):
    """An `auto` trigger's countdown began (older journals)."""

    KIND = Kind.COUNTDOWN_STARTED
    trigger: str = Field(description="the trigger's name")
    kind: str | None = Field(None, description="its kind")
    seconds: Number = Field(description="how long it runs")
    deadline: str | None = Field(None, description="when it elapses (ISO 8601, UTC)")
    started: str | None = Field(None, description="when it began (ISO 8601, UTC)")


class CountdownCancelled(CountdownStarted):
    """An `auto` countdown was stopped before it elapsed."""

    KIND = Kind.COUNTDOWN_CANCELLED
    seconds: Number | None = Field(None, description="how long it ran for")  # type: ignore[assignment]
    reason: str = Field(description="why, and who cancelled it")


class CountdownElapsed(CountdownStarted):
    """An `auto` countdown ran out: the rollback starts."""

    KIND = Kind.COUNTDOWN_ELAPSED


class SystemsSelected(Payload):
    """The systems and hosts the rollback is for."""

    KIND = Kind.SYSTEMS_SELECTED
    systems: list[str] = Field(description="the systems")
    hosts: dict[str, str] = Field({}, description="{host: system}")
    ssh_check_failed: dict[str, str] | None = Field(
        None,
        description="{host: why} when chosen hosts failed the picker's SSH check (connect,"
        " log in, run `true`)",
    )


class StrategyChosen(Payload):
    """The strategy the restore step runs, with its checked parameters."""

    KIND = Kind.STRATEGY_CHOSEN
    strategy: str = Field(description="its name")
    params: dict[str, str] = Field({}, description="the checked parameter values")
    systems: list[str] | None = Field(
        None, description="when it is for some of the selected systems (a DR exercise)"
    )


class LockAcquired(Payload):
    """The console holds these systems: nobody else drives a rollback of them now."""

    KIND = Kind.LOCK_ACQUIRED
    systems: list[str] = Field(description="the systems locked")
    pid: int | None = Field(None, description="the holding process")
    host: str | None = Field(None, description="the jump host it runs on")


class LockReleased(Payload):
    """The console let go of these systems."""

    KIND = Kind.LOCK_RELEASED
    systems: list[str] = Field(description="the systems released")
    pid: int | None = Field(None, description="the process that held them")
    host: str | None = Field(None, description="the jump host it ran on")


class LockTakenOver(Payload):
    """A stale or abandoned lock was taken over, with a reason."""

    KIND = Kind.LOCK_TAKEN_OVER
    previous: JsonObject = Field(
        description="the holder: `pid`, `user`, `host`, `started`, `incident`"
    )
    reason: str = Field(description="why it was taken over")


class HostkeyAccepted(Payload):
    """The commander accepted an unknown host key, having seen its fingerprint."""

    KIND = Kind.HOSTKEY_ACCEPTED
    fingerprint: str = Field(description="the key's SHA256 fingerprint")
    endpoint: str | None = Field(None, description="`host:port` the key is for")
    known_hosts: str = Field(description="the known_hosts file written")
    entry: str = Field(description="the line added to it")
    via: str | None = Field(None, description="the jump host it was reached through")


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
