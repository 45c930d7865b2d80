"""The incident's own facts: opened, scoped, locked, resumed, closed."""

from typing import NotRequired

from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import Payload
from console.model.payloads.record import Field


class PlannedStep(TypedDict):
    id: str
    title: str
    kind: str
    phase: str
    strategy: NotRequired[str]  # a strategy step's own (`strategy = ...`), not the chosen one
    fields: NotRequired[list[str]]  # a form step's fields
    required_fields: NotRequired[list[str]]  # those it is done once filled, if not all


class IncidentOpened(Payload):
    """An incident starts."""

    KIND = Kind.INCIDENT_OPENED
    incident_id: str = Field(description="the incident's id (its directory's name)")
    title: str = Field("", description="what it is about, in a line")
    drill: bool = Field(False, description="a drill, not a real incident")
    procedure: str = Field("", description="the procedure's name")
    steps: list[PlannedStep] = Field(
        [],
        description="`id`, `title`, `kind`, `phase` of every step of the procedure, and the"
        " `strategy` a strategy step names as its own (since 2026-12-04); a form step's"
        " `fields` and the `required_fields` it is done once filled, when not all of them"
        " (since 2026-12-05)",
    )
    verifies: str | None = Field(
        None,
        description="`verify`: the closed incident whose hosts left unknown at its close"
        " this one verifies (the verify by hand): its id, or its journal's directory when"
        " that is not under the journal root (journalled with --journal)",
    )
    config: dict[str, str] | None = Field(
        None,
        description="the configuration it opened with: each file's sha256 by name"
        ' (`strategies.toml`), "" for one absent (since 2026-12-07), of the file with its'
        " secrets masked as the record masks them (since 2026-12-07 10:20 UTC; before,"
        " plain: a guess of a secret could be tested against it); an Ansible inventory's"
        " (as inventory.toml names it), of the hosts it gave; resume, undo and verify say"
        " a file changed since",
    )
    config_secrets: dict[str, dict[str, list[str]]] | None = Field(
        None,
        description="the secrets its configuration held, by file and key (`procedure.toml`:"
        " `channels.hook.url`, `console.toml`: `redact.values`), each as its HMAC-SHA256"
        " (first 32 hex digits) under a key kept beside the journal, never exported: a"
        " secret changed since is said by its key, never its value (since 2026-12-07"
        " 13:30 UTC); given, even empty, `config`'s sha256s are of the files masked."
        " Left out of the JSON export",
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
    unknown: list[str] | None = Field(
        None,
        description="the hosts whose outcome was unknown at the close (a command sent with"
        " no outcome on record, or left running): a change may still have run there; their"
        " systems' locks were kept (`lock.kept`)",
    )


class LockAcquired(Payload):
    """The console holds these systems: nobody else drives a rollback of them now."""

    KIND = Kind.LOCK_ACQUIRED
    systems: list[str] = Field(description="the systems locked")
    pid: int | None = Field(None, description="the holding process")
    host: str | None = Field(None, description="the jump host it runs on")
    program: str | None = Field(
        None,
        description="the command holding them (`rollback-console run`; `rollback-console`:"
        " the console), as its `writer.lock` names it; absent in journals before 2026-12-04",
    )


class LockReleased(Payload):
    """The console let go of these systems."""

    KIND = Kind.LOCK_RELEASED
    OMIT_NONE = True  # a reason only when nobody chose it
    systems: list[str] = Field(description="the systems released")
    pid: int | None = Field(None, description="the process that held them")
    host: str | None = Field(None, description="the jump host it ran on")
    reason: str | None = Field(
        None,
        description="why the console ended, when nobody quit it: `terminal closed (SIGHUP)`"
        " or `ended by SIGTERM`",
    )


class LockKept(Payload):
    """The console (or `run`) stopped driving the open incident, or closed it, while these
    hosts' outcome was unknown or their command was left running (detached): a change may
    still run there, so the systems' lock files stay (stale once its process exits; another
    incident needs `--take-over-lock REASON`, `resume` of an open one takes them back). Its
    process let go of the journal, as with `lock.released`."""

    KIND = Kind.LOCK_KEPT
    OMIT_NONE = True  # a reason only when nobody chose it
    systems: list[str] = Field(description="the systems whose locks stay held")
    hosts: list[str] = Field(description="the hosts whose outcome is unknown")
    reason: str | None = Field(
        None,
        description="why the console ended, when nobody quit it: `terminal closed (SIGHUP)`"
        " or `ended by SIGTERM`",
    )
    closed_as: str | None = Field(
        None,
        description="kept at the close: the outcome it closed as, in words (the other"
        " systems' locks were released)",
    )
    stuck: str | None = Field(
        None,
        description="why they stay though no host is unknown: their lock files could not be"
        " removed as the console let go (the lock directory read-only, or gone); since"
        " 2026-12-06",
    )
