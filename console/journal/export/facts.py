"""The rollback document as data: every fact the Markdown shows, in the order it shows them.

The JSON export is these models as they are (and `docs/export.schema.json` is their JSON
Schema); the Markdown and node exports render them. Times are UTC; durations are seconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from console.journal.export.integrity_facts import IntegrityCheck
from console.model.action_item import ActionItem
from console.model.base import Field, Strict
from console.model.events import Event
from console.model.payloads.steps import Passed

EXPORT_SCHEMA = "rollback-console/export"
# The keys of an event's data the export never holds, by kind: an opening's secrets' HMACs
# (config_secrets.py), which only the incident's own directory may read. The JSON export
# leaves them out, and its schema does not name them.
LEFT_OUT: dict[str, tuple[str, ...]] = {"incident.opened": ("config_secrets",)}
EXPORT_SCHEMA_VERSION = 2


class Summary(Strict):
    """The generated paragraph and the facts table."""

    paragraph: str
    incident: str | None
    title: str
    status: Literal["draft", "final"] = Field(description="draft until the incident is closed")
    amended: bool = Field(description="the record changed after the close")
    severity: str | None
    outcome: str | None = Field(description="the outcome in words; null while open")
    commander: str | None
    responders: list[str] = Field(description="everyone else who recorded an event")
    opened: datetime | None
    opened_by: str | None
    closed: datetime | None
    closed_by: str | None
    duration_seconds: float | None = Field(description="opened to closed")
    drill: bool
    drill_verdict: str | None = Field(description="a drill: passed or failed, and why")
    systems: list[str]
    strategy: str | None
    reason: str | None
    unknown_at_close: list[str] = Field(
        description="hosts whose outcome was unknown when it was closed (a change may still"
        " have run there)"
    )
    locks_kept_at_close: list[str] = Field(
        description="the systems whose locks the close kept for them (another incident"
        " there needs --take-over-lock REASON)"
    )
    verified_by_hand: dict[str, str] = Field(
        description="what `rollback-console verify` found after the close, per host left"
        " unknown (its latest finding)"
    )
    verified_by: str | None = Field(description="the incident that ran that verify by hand")


class Impact(Strict):
    """The post-rollback form's impact fields; null is "not recorded"."""

    users: str | None
    start: str | None
    end: str | None
    business: str | None
    first_bad_sample: datetime | None = Field(description="from the probes, for comparison")


class Evidence(Strict):
    """A probe sample behind the trigger, with every host's reading."""

    text: str
    probe: str | None = None
    at: str | None = None
    value: Any = None
    state: str | None = None
    threshold: Any = None
    hosts: dict[str, Any] = {}


class Declarer(Strict):
    """Who or what declared the trigger: a person, or the watcher under its policy."""

    by: Literal["person", "watcher"]
    name: str
    policy: str | None = None
    accepted_by: str | None = None
    text: str


class Firing(Strict):
    """An automatic trigger that fired, and what became of it."""

    at: datetime
    label: str
    probe: str | None
    policy: str | None
    reason: str
    fate: str = Field(
        description="declared, merged as evidence, evidence of the declared trigger (firing"
        " at the same time), dismissed, or not taken up"
    )


class TriggerDetails(Strict):
    """The trigger declared; or, in a record where none was (a dismissed firing's), the
    first automatic trigger that fired, with its evidence and its fate in `firings`."""

    kind: str
    label: str
    automatic: bool
    reason: str
    declared_at: datetime | None = Field(description="None: nobody declared it")
    declared_by: Declarer | None = Field(description="None: nobody declared it")
    evidence: list[Evidence]
    firings: list[Firing]


class Milestone(Strict):
    name: str
    label: str
    at: datetime | None
    source: str = Field(description="which record says so, or why it is unknown")


class Interval(Strict):
    name: str
    label: str
    seconds: float | None
    start: str = Field(description="the milestone it counts from")
    end: str = Field(description="the milestone it counts to")
    clock: str | None = Field(
        None,
        description="`monotonic`: timed on the clock each system's recovery time is (a step"
        " of the wall clock counts for nothing); `wall`: the wall times' difference (`note`"
        " says why); null when not measurable",
    )
    note: str = Field("", description="why the wall clock, or that it was stepped in between")
    wall_step: float | None = Field(
        None, description="seconds the wall clock was stepped in between, when 1 or more"
    )


class Recovery(Strict):
    """Time from the first trigger event (a drill's: its first fault) to verified stable,
    against the system's RTO."""

    system: str
    started: datetime
    verified: datetime
    seconds: float
    rto_minutes: float | None
    verdict: str


class Milestones(Strict):
    milestones: list[Milestone]
    intervals: list[Interval]
    recovery: list[Recovery]


class HostResult(Strict):
    host: str
    status: str
    known: bool = Field(description="false while the outcome is unknown")
    failure: str | None
    detail: str | None
    said: str | None = Field(
        None,
        description="a failed host's own last words: its last stderr line (else its last"
        " output line), as the console's lines say why it failed; null when it printed none",
    )
    held_at: str | None = Field(
        description="a held host (a gradual re-enable stopped between stages): the share it"
        " stays at, `5 %`"
    )
    last_step: str | None
    last_step_title: str | None


class Change(Strict):
    """One recorded value before and after the rollback, for the hosts that agree on it."""

    key: str
    source: Literal["assessment", "probe"]
    before: str | None
    after: str | None
    hosts: list[str]


class SystemFacts(Strict):
    system: str
    hosts: list[HostResult]
    changes: list[Change]


class Command(Strict):
    stage: str
    command: str
    workdirs: list[str] = Field(
        default=[],
        description="when hosts ran the command from different work directories, each"
        " of them (`cd -- DIR || exit 97` before the command); else empty and the command"
        " is as sent",
    )
    hosts: list[str] = Field(default=[], description="the hosts it was sent to, sorted")
    runs: list[int] = Field(
        default=[], description="the step's runs (1 for its first) it was sent in"
    )


class StepFacts(Strict):
    id: str
    title: str
    phase: str | None
    kind: str | None
    status: str = Field(description="done, failed, skipped, running (interrupted), not done")
    summary: str
    counts: dict[str, int] = Field(description="host runs by status")
    confirmed_by: str | None
    skipped_because: str | None
    ahead_of: list[Passed] = Field(
        [],
        description="taken ahead of the checklist's order (first started or confirmed so): the"
        " steps before it not done then, each {`step`, `number`, `title`}; empty when every"
        " step before it was done, and in journals before 2026-12-06",
    )
    started: datetime | None
    finished: datetime | None
    attempts: int
    earlier: list[str] = Field(
        [],
        description="how each earlier run of the step ended, a retry following it, in"
        " order (`attempt 1: held at 50 % on 4 hosts (stage 2 of 3): not healthy after the"
        " stage: ...`): a rollout held, a halt between waves, a failure retried",
    )
    interrupted: list[str] = Field(
        [],
        description="each run of it the console's end cut short, the hosts it left unknown"
        " and what settled them after the resume (`interrupted by the console's end (...):"
        " outcome unknown on web-1; then web-1 verified: succeeded, by root at ... (v after"
        " the resume)`)",
    )
    commands: list[Command]
    to: str | None = Field(
        None,
        description="what its strategy brought the data back to, or was to, as chosen (a"
        " PostgreSQL recovery's target: `the time ...`, `the restore point ...`, `LSN ...`)",
    )


class FailureFacts(Strict):
    """A host that failed or was left unknown in a step, and what was done about it."""

    step: str
    step_title: str
    host: str
    system: str | None
    status: str
    failure: str | None
    detail: str | None
    exit_status: int | None
    attempt: int
    stage: str | None = Field(
        None, description="the stage that failed: precheck, action, verify, health, undo or run"
    )
    stderr: list[str] = Field(description="its last 10 lines, secrets masked")
    stdout: list[str] = Field(
        default_factory=list,
        description="the failed stage's last 3 lines of output: how far it got, secrets masked",
    )
    done: str = Field(
        description="retried, skipped, undone, accepted or not at the close, or nothing yet"
        " (the incident is open); then, of a failure before anything ran to change the host,"
        " that no command ran there or that its action never ran"
    )


class Halt(Strict):
    at: datetime
    step: str | None
    reason: str
    not_started: list[str]
    started_since: list[str] = Field(
        default_factory=list, description="of those not started, the ones a later run started"
    )


class Notification(Strict):
    at: datetime
    step: str | None
    channel: str | None
    kind: str | None
    target: str | None
    severity: str | None
    text: str
    delivered: bool | None = Field(description="null when no result was recorded")
    result: str


class TimelineRow(Strict):
    seq: int
    at: datetime
    who: str
    what: str
    where: str
    starred: bool
    condensed: bool = Field(description="stands for several per-host events")


class Timeline(Strict):
    view: Literal["key events", "starred only"]
    rows: list[TimelineRow]
    events: int = Field(description="how many events the journal holds")


class Retry(Strict):
    at: str | None
    owner: str | None


class Lessons(Strict):
    went_well: str | None
    went_wrong: str | None
    got_lucky: str | None
    notes: str | None = Field(description="lessons written as one text (older forms)")


class Review(Strict):
    root_cause: str | None
    remediation: str | None
    procedure_updates: str | None
    retry: Retry
    action_items: list[ActionItem]
    lessons: Lessons


class HistoryEntry(Strict):
    at: datetime
    who: str
    what: str
    kind: Literal["created", "reopened", "handed-over", "closed", "amended"]


class Document(Strict):
    """The rollback document, section by section."""

    title: str
    summary: Summary
    impact: Impact
    trigger: TriggerDetails | None
    milestones: Milestones
    systems: list[SystemFacts]
    integrity: list[IntegrityCheck] = Field(
        description="one per run of a data-touching step on a host, in the order they ran:"
        " a step run again (a retry, a restore after its undo) has one per run, so a host's"
        " last is where its data was left"
    )
    steps: list[StepFacts]
    failures: list[FailureFacts]
    halts: list[Halt]
    notifications: list[Notification]
    timeline: Timeline
    review: Review
    history: list[HistoryEntry]


class HostSummary(Strict):
    system: str
    status: str
    known: bool
    step: str | None
    failure: str | None
    exit_status: int | None
    detail: str | None


class Export(Strict):
    """`export --format json`: the document, each host's outcome and every event."""

    schema_name: str = Field(EXPORT_SCHEMA, alias="schema", serialization_alias="schema")
    schema_version: int = EXPORT_SCHEMA_VERSION
    event_schema_version: int
    incident: str | None
    document: Document
    hosts: dict[str, HostSummary]
    events: list[Event]
