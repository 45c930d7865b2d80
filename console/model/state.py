"""Incident state, and the fold that is its only way to change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.model.drillfold import DRILL_HANDLERS
from console.model.events import Event, Kind
from console.model.payloads import (
    Amendable,
    CommanderHandedOver,
    CommandIntent,
    CommandOutput,
    CommandResult,
    EventStarred,
    ExportWritten,
    FieldSet,
    HostNotStarted,
    IncidentClosed,
    IncidentOpened,
    IncidentResumed,
    NoteAdded,
    RunAborted,
    RunHalted,
    StepCompleted,
    StepConfirmed,
    StepSkipped,
    StrategyChosen,
    SystemsSelected,
    TriggerDeclared,
    WaveFinished,
    WaveStarted,
)

# Re-exported: the statuses are part of the state's vocabulary for its readers.
from console.model.status import FailureClass as FailureClass
from console.model.status import HostStatus as HostStatus
from console.model.status import StepStatus as StepStatus
from console.model.stepfold import STEP_HANDLERS
from console.model.watch import Recovery
from console.model.watchfold import WATCH_HANDLERS, first_trigger


@dataclass
class HostRun:
    """What one host did in one step: the last stage's outcome counts."""

    host: str
    system: str | None
    status: HostStatus = HostStatus.PENDING
    stage: str | None = None
    command: str | None = None
    attempt: int = 0
    exit_status: int | None = None
    signal: str | None = None
    failure: FailureClass | None = None
    detail: str | None = None
    started: datetime | None = None
    finished: datetime | None = None
    lines: int = 0
    last_line: str = ""
    token: str | None = None  # the latest attempt's tag on the host (finds it after a crash)
    on_jump_host: bool = False


@dataclass
class StepState:
    id: str
    status: StepStatus = StepStatus.PENDING
    started: datetime | None = None
    finished: datetime | None = None
    summary: str = ""
    skip_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    hosts: dict[str, HostRun] = field(default_factory=dict)
    waves: dict[int, dict[str, Any]] = field(default_factory=dict)
    halted: str | None = None


@dataclass
class Trigger:
    kind: str
    label: str
    automatic: bool
    reason: str
    declared_by: str
    declared_at: datetime
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class IncidentState:
    """Everything known about one incident, derived from its events only."""

    incident_id: str | None = None
    title: str = ""
    drill: bool = False
    opened_at: datetime | None = None
    opened_by: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = None  # an Outcome value (older journals: free words)
    outcome_label: str = ""  # the outcome in words, with its reason, hosts or successor
    closed_by: str | None = None
    amendments: list[dict[str, Any]] = field(
        default_factory=list
    )  # changes recorded after the close
    trigger: Trigger | None = None
    commander: str | None = None  # who is in charge now: named at the declaration
    commanders: list[dict[str, Any]] = field(default_factory=list)  # each commander, since when
    systems: list[str] = field(default_factory=list)
    hosts: dict[str, str] = field(default_factory=dict)
    strategy: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    steps: dict[str, StepState] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    action_items: list[dict[str, str]] = field(
        default_factory=list
    )  # the review's rows, as last saved
    notes: list[tuple[int, str]] = field(default_factory=list)
    stars: set[int] = field(default_factory=set)
    annotations: dict[int, list[str]] = field(default_factory=dict)  # seq → its notes
    halts: list[dict[str, Any]] = field(default_factory=list)
    aborts: list[dict[str, Any]] = field(default_factory=list)
    exports: list[dict[str, Any]] = field(default_factory=list)
    first_trigger_at: datetime | None = None
    firings: list[dict[str, Any]] = field(default_factory=list)
    merged: list[dict[str, Any]] = field(default_factory=list)  # firings taken in as evidence
    dismissed: list[dict[str, Any]] = field(default_factory=list)  # nobody took them up, and why
    countdown: dict[str, Any] | None = None
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    soak: dict[str, dict[str, Any]] = field(default_factory=dict)
    recovery: dict[str, Recovery] = field(default_factory=dict)
    integrity: list[dict[str, Any]] = field(default_factory=list)
    assessment: dict[str, dict[str, str]] = field(default_factory=dict)
    freezes: list[dict[str, Any]] = field(default_factory=list)
    rollout: list[dict[str, Any]] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    scenario: dict[str, Any] | None = None  # a drill's scenario, as drill.started recorded it
    faults: list[dict[str, Any]] = field(default_factory=list)  # a drill's injected faults
    drill_verdict: dict[str, Any] | None = None
    last_seq: int = -1
    last_ts: datetime | None = None

    def step(self, step_id: str) -> StepState:
        return self.steps.setdefault(step_id, StepState(step_id))

    def current_step(self, order: Iterable[str]) -> str | None:
        """The first step of `order` that is neither done nor skipped."""
        return next((s for s in order if not self.step(s).status.finished), None)

    def host_runs(self, host: str) -> list[tuple[str, HostRun]]:
        return [(sid, st.hosts[host]) for sid, st in self.steps.items() if host in st.hosts]

    def latest_run(self, host: str) -> HostRun | None:
        runs = self.host_runs(host)
        return runs[-1][1] if runs else None

    def hosts_with(self, status: HostStatus) -> list[tuple[str, str]]:
        """(step, host) of every host run in `status`."""
        return [
            (sid, h)
            for sid, st in self.steps.items()
            for h, run in st.hosts.items()
            if run.status is status
        ]

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def unknown_hosts(self) -> list[tuple[str, str]]:
        return self.hosts_with(HostStatus.UNKNOWN)

    def apply(self, event: Event) -> IncidentState:
        """Fold one event in; unknown kinds (from newer versions) are ignored."""
        handler = _HANDLERS.get(event.kind)
        if handler:
            handler(self, event)
        data = event.data
        if isinstance(data, Amendable) and data.amendment:
            self.amendments.append(
                {
                    "seq": event.seq,
                    "kind": event.kind,
                    "field": data.field if isinstance(data, FieldSet) else None,
                    "step": event.where.step,
                    "by": event.who.user,
                    "at": event.ts,
                }
            )
        self.last_seq = event.seq
        self.last_ts = event.ts
        return self

    def settle(self) -> IncidentState:
        """For a reader that is not the writer: an intent with no outcome is unknown."""
        for st in self.steps.values():
            for run in st.hosts.values():
                if run.status is HostStatus.RUNNING:
                    run.status = HostStatus.UNKNOWN
                    run.detail = "verify before retrying: the outcome was never recorded"
        return self


def fold(events: Iterable[Event]) -> IncidentState:
    """state = reduce(apply, events, empty)."""
    state = IncidentState()
    for event in events:
        state.apply(event)
    return state


def _host_run(state: IncidentState, event: Event) -> HostRun:
    st = state.step(event.where.step or "adhoc")
    host = event.where.host or "?"
    if host not in st.hosts:
        st.hosts[host] = HostRun(host=host, system=event.where.system)
    return st.hosts[host]


def _opened(s: IncidentState, e: Event) -> None:
    d = e.payload(IncidentOpened)
    s.incident_id = d.incident_id
    s.title = d.title
    s.drill = d.drill
    s.opened_at = e.ts
    s.opened_by = e.who.user


def _resumed(s: IncidentState, e: Event) -> None:
    s.settle()
    if e.payload(IncidentResumed).amendments_only:
        return  # a closed incident reopened to amend its record: it stays closed
    s.closed_at = None
    s.outcome = None
    s.outcome_label = ""


def _closed(s: IncidentState, e: Event) -> None:
    d = e.payload(IncidentClosed)
    s.closed_at = e.ts
    s.outcome = d.outcome
    s.outcome_label = d.label or d.outcome
    s.closed_by = e.who.user


def _trigger(s: IncidentState, e: Event) -> None:
    d = e.payload(TriggerDeclared)
    s.trigger = Trigger(
        kind=d.kind,
        label=d.label or d.kind,
        automatic=d.automatic,
        reason=d.reason,
        declared_by=e.who.user,
        declared_at=e.ts,
        evidence=list(d.evidence),
    )
    first_trigger(s, e.ts)
    if d.commander and d.commander != s.commander:
        _command(s, d.commander, e)


def _command(s: IncidentState, name: str, e: Event) -> None:
    s.commander = name
    s.commanders.append({"name": name, "since": e.ts, "by": e.who.user})


def _handed_over(s: IncidentState, e: Event) -> None:
    _command(s, e.payload(CommanderHandedOver).to, e)


def _selected(s: IncidentState, e: Event) -> None:
    d = e.payload(SystemsSelected)
    s.systems = list(d.systems)
    s.hosts = dict(d.hosts)


def _strategy(s: IncidentState, e: Event) -> None:
    d = e.payload(StrategyChosen)
    s.strategy = d.strategy
    s.params = dict(d.params)


def _step_started(s: IncidentState, e: Event) -> None:
    st = s.step(e.where.step or "")
    st.status = StepStatus.RUNNING
    st.started = st.started or e.ts
    st.finished = None


def _step_confirmed(s: IncidentState, e: Event) -> None:
    st = s.step(e.where.step or "")
    st.status = StepStatus.DONE
    st.started = st.started or e.ts
    st.finished = e.ts
    st.summary = "confirmed by " + (e.payload(StepConfirmed).by or e.who.commander or e.who.user)


def _step_completed(s: IncidentState, e: Event) -> None:
    d = e.payload(StepCompleted)
    st = s.step(e.where.step or "")
    st.status = d.status
    st.finished = e.ts
    st.summary = d.summary


def _step_skipped(s: IncidentState, e: Event) -> None:
    st = s.step(e.where.step or "")
    st.status = StepStatus.SKIPPED
    st.finished = e.ts
    st.skip_reason = e.payload(StepSkipped).reason


def _intent(s: IncidentState, e: Event) -> None:
    d = e.payload(CommandIntent)
    run = _host_run(s, e)
    run.status = HostStatus.RUNNING
    run.stage = d.stage
    run.command = d.command
    if d.attempt != run.attempt or run.started is None:
        run.started = e.ts
    run.attempt = d.attempt
    run.token = d.token
    run.on_jump_host = d.on == "jump-host"
    run.exit_status = run.signal = run.failure = run.detail = None
    run.finished = None


def _output(s: IncidentState, e: Event) -> None:
    lines = e.payload(CommandOutput).lines
    run = _host_run(s, e)
    run.lines += len(lines)
    if lines:
        run.last_line = lines[-1]


def _result(s: IncidentState, e: Event) -> None:
    d = e.payload(CommandResult)
    run = _host_run(s, e)
    run.exit_status = d.exit_status
    run.signal = d.signal
    run.failure = d.failure
    run.detail = d.detail
    run.finished = e.ts
    if d.aborted:
        run.status = HostStatus.ABORTED
    elif d.failure:
        run.status = HostStatus.FAILED
    elif d.final:
        run.status = HostStatus.SUCCEEDED


def _not_started(s: IncidentState, e: Event) -> None:
    run = _host_run(s, e)
    run.status = HostStatus.NOT_STARTED
    run.detail = e.payload(HostNotStarted).reason


def _halted(s: IncidentState, e: Event) -> None:
    d = e.payload(RunHalted)
    s.halts.append({"step": e.where.step, **d.dump()})
    if e.where.step:
        s.step(e.where.step).halted = d.reason


def _wave_started(s: IncidentState, e: Event) -> None:
    d = e.payload(WaveStarted)
    st = s.step(e.where.step or "")
    if d.wave == 1:
        st.waves.clear()
        st.halted = None
    st.waves.setdefault(d.wave, {}).update(d.dump(), finished=False)


def _wave_finished(s: IncidentState, e: Event) -> None:
    d = e.payload(WaveFinished)
    s.step(e.where.step or "").waves.setdefault(d.wave, {}).update(d.dump(), finished=True)


def _aborted(s: IncidentState, e: Event) -> None:
    s.aborts.append({"step": e.where.step, "by": e.who.user, **e.payload(RunAborted).dump()})


def _field(s: IncidentState, e: Event) -> None:
    d = e.payload(FieldSet)
    if isinstance(d.value, list):  # action items: the whole table, as last saved
        s.action_items = [dict(row) for row in d.value]
    else:
        s.fields[d.field] = d.value


def _note(s: IncidentState, e: Event) -> None:
    d = e.payload(NoteAdded)
    s.notes.append((e.seq, d.text))
    if d.about is not None:
        s.annotations.setdefault(d.about, []).append(d.text)
    if e.where.step:
        s.step(e.where.step).notes.append(d.text)


def _star(s: IncidentState, e: Event) -> None:
    d = e.payload(EventStarred)
    if d.starred:
        s.stars.add(d.seq)
    else:
        s.stars.discard(d.seq)


def _export(s: IncidentState, e: Event) -> None:
    s.exports.append(e.payload(ExportWritten).dump())


# Keyed by kind: an event's kind is a str, equal to its Kind member.
_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    Kind.INCIDENT_OPENED: _opened,
    Kind.INCIDENT_RESUMED: _resumed,
    Kind.INCIDENT_CLOSED: _closed,
    Kind.TRIGGER_DECLARED: _trigger,
    Kind.COMMANDER_HANDED_OVER: _handed_over,
    Kind.SYSTEMS_SELECTED: _selected,
    Kind.STRATEGY_CHOSEN: _strategy,
    Kind.STEP_STARTED: _step_started,
    Kind.STEP_CONFIRMED: _step_confirmed,
    Kind.STEP_COMPLETED: _step_completed,
    Kind.STEP_SKIPPED: _step_skipped,
    Kind.COMMAND_INTENT: _intent,
    Kind.COMMAND_OUTPUT: _output,
    Kind.COMMAND_RESULT: _result,
    Kind.HOST_NOT_STARTED: _not_started,
    Kind.RUN_HALTED: _halted,
    Kind.WAVE_STARTED: _wave_started,
    Kind.WAVE_FINISHED: _wave_finished,
    Kind.RUN_ABORTED: _aborted,
    Kind.FIELD_SET: _field,
    Kind.NOTE_ADDED: _note,
    Kind.EVENT_STARRED: _star,
    Kind.EXPORT_WRITTEN: _export,
    **WATCH_HANDLERS,
    **STEP_HANDLERS,
    **DRILL_HANDLERS,
}
