"""The incident's own facts: opened, scoped, locked, resumed, closed."""

from pydantic import Field
from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Payload


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
        description="how it ended (`rolled-back`, `unverified` (every host rolled back, the"
        " stability check not done: `reason` says how it was checked), `partial`, `aborted`,"
        " `not-needed`, `handed-over`; written by the program: `failed`, `dismissed`, `refused`,"
        " `completed`); older journals carry it in words"
    )
    label: str | None = Field(None, description="the outcome in words")
    reason: str | None = Field(None, description="why, in the commander's words")
    hosts: list[str] | None = Field(None, description="for `partial`: the hosts not rolled back")
    to: str | None = Field(None, description="for `handed-over`: to whom")


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
