"""Events in words: one line each, for the timeline, the terminal and the document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from console.model.events import Event, Kind
from console.model.payloads import (
    Amendable,
    AssessmentRecorded,
    AttemptChecked,
    AttemptStopped,
    CommanderHandedOver,
    CommandIntent,
    CommandOutput,
    CommandResult,
    CountdownCancelled,
    CountdownElapsed,
    CountdownStarted,
    DeliveryHalted,
    DrillFault,
    DrillFaultUndone,
    DrillJudged,
    DrillStarted,
    EventStarred,
    ExportWritten,
    FieldSet,
    HostkeyAccepted,
    HostNotStarted,
    IncidentClosed,
    IncidentOpened,
    IncidentResumed,
    IntegrityRecorded,
    LockAcquired,
    LockReleased,
    LockTakenOver,
    NoteAdded,
    NotificationResult,
    NotificationSent,
    Payload,
    ProbeSample,
    RecoveryMeasured,
    RolloutStep,
    RunAborted,
    RunDetached,
    RunHalted,
    SoakProgress,
    StepCompleted,
    StepConfirmed,
    StepSkipped,
    StepStarted,
    StrategyChosen,
    SystemsSelected,
    TriggerDeclared,
    TriggerDismissed,
    TriggerFired,
    TriggerMerged,
    UnknownVerified,
    WaveFinished,
    WaveStarted,
)
from console.model.payloads.steps import StepData
from console.model.procedure import FormField
from console.model.visible import visible

P = TypeVar("P", bound=Payload)
Describer = Callable[[Event], str]

# Kinds that belong in the document's timeline; samples and output stay out of it.
TIMELINE_KINDS = frozenset(Kind) - {
    Kind.COMMAND_OUTPUT,
    Kind.PROBE_SAMPLE,
    Kind.SOAK_PROGRESS,
    Kind.EVENT_STARRED,
    Kind.EXPORT_WRITTEN,
}


def utc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def _title(d: StepData, e: Event) -> str:
    return f"“{d.title or e.where.step}”"


def duration(seconds: float) -> str:
    """`42 s`, or `3 min 05 s`."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def field_title(name: object) -> str:
    """`root cause`, `retry at (UTC)`: a form field as words in a sentence."""
    try:
        title = FormField(str(name)).label
    except ValueError:
        return str(name)  # a field from a newer version
    return title[0].lower() + title[1:]


def _trigger(d: TriggerDeclared, e: Event) -> str:
    return (
        f"declared the trigger: {d.label}"
        + (f" — {d.reason}" if d.reason else "")
        + (f"; commander {d.commander}" if d.commander else "")
    )


def _selected(d: SystemsSelected, e: Event) -> str:
    text = f"selected systems: {', '.join(d.systems)} ({len(d.hosts)} hosts)"
    if d.ssh_check_failed:
        text += "; failing the SSH check when picked: " + ", ".join(
            f"{h} ({why})" for h, why in d.ssh_check_failed.items()
        )
    return text


def _strategy(d: StrategyChosen, e: Event) -> str:
    params = ", ".join(f"{k}={v}" for k, v in sorted(d.params.items()))
    return f"chose the strategy: `{d.strategy}`" + (f" ({params})" if params else "")


def _result(d: CommandResult, e: Event) -> str:
    if d.aborted:
        return f"{d.stage} aborted — {d.detail or ''}"
    if d.failure:
        return f"{d.stage} failed: {d.failure} — {d.detail or ''}"
    return f"{d.stage} succeeded in {d.duration or 0:.2f} s"


def _intent(d: CommandIntent, e: Event) -> str:
    masked = ", secrets masked in this record" if d.masked else ""
    here = " on the jump host" if d.on == "jump-host" else ""
    return f"sent {d.stage}{here} (attempt {d.attempt}{masked})"


def _integrity(d: IntegrityRecorded, e: Event) -> str:
    rows = ", ".join(f"{k}={v}" for k, v in sorted(d.rows.items()))
    checksum = (d.checksum or "?")[:16]
    return f"integrity {d.stage}: {d.verdict} (checksum {checksum}…{', ' + rows if rows else ''})"


def _recovery(d: RecoveryMeasured, e: Event) -> str:
    target = f"target {d.rto_minutes:g} min" if d.rto_minutes else "no target"
    return f"recovery: {e.where.system} {duration(d.seconds)} ({target}, {d.verdict})"


def _since(d: CountdownStarted) -> str:
    """` of 15 s (from 09:30:12)` for a countdown event that says when it started."""
    started = (d.started or "")[11:19]
    return (f" of {d.seconds:g} s" if d.seconds is not None else "") + (
        f" (from {started})" if started else ""
    )


def _a_notification(d: NotificationSent) -> str:
    if d.lifecycle:
        return f"a PagerDuty {d.action} ({d.lifecycle})"
    what = f"status update #{d.repeat + 1}" if d.repeat else "notification"
    if not d.severity:
        return f"a {what}"
    return f"{'an' if d.severity[0] in 'aeiou' else 'a'} {d.severity} {what}"


def _notified(d: NotificationResult, e: Event) -> str:
    verdict = "delivered" if d.ok else "FAILED" if d.required else "NOT DELIVERED (warning)"
    return f"notification via {d.channel}: {verdict} — {d.detail}"


def _attempt_checked(d: AttemptChecked, e: Event) -> str:
    if d.running:
        return f"earlier attempt still running ({len(d.processes)} process(es))"
    if d.running is False:
        return "earlier attempt no longer running"
    return f"earlier attempt: could not tell ({d.detail})"


def _drill_started(d: DrillStarted, e: Event) -> str:
    parts = "; ".join(f"{p['strategy']} on {', '.join(p['systems'])}" for p in d.parts)
    faults = f", faults {', '.join(d.faults)}" if d.faults else ""
    return f"DRILL {d.scenario}: {parts}{faults}; expects {d.expect}"


def _drill_judged(d: DrillJudged, e: Event) -> str:
    verdict = "PASSED" if d.passed else "FAILED: " + "; ".join(d.findings)
    return f"drill {d.scenario} judged: {d.outcome} (expected {d.expected}), {verdict}"


def _says(model: type[P], words: Callable[[P, Event], str]) -> tuple[str, Describer]:
    """A row of DESCRIBE: `model`'s kind, said in `words` from its payload."""
    return model.KIND, lambda e: words(e.payload(model), e)


DESCRIBE: dict[str, Describer] = dict(
    [
        _says(DrillStarted, _drill_started),
        _says(DrillFault, lambda d, e: f"injected fault {d.name} on {', '.join(d.hosts)}"),
        _says(
            DrillFaultUndone,
            lambda d, e: f"undid fault {d.name}" + ("" if d.ok else f": FAILED — {d.detail}"),
        ),
        _says(DrillJudged, _drill_judged),
        _says(IncidentOpened, lambda d, e: "opened the incident" + (" (DRILL)" if d.drill else "")),
        _says(
            IncidentResumed,
            lambda d, e: (
                "reopened the closed incident to amend it"
                if d.amendments_only
                else "resumed the incident"
                + (f"; {len(d.unknown)} host(s) unknown" if d.unknown else "")
            ),
        ),
        _says(
            CommanderHandedOver,
            lambda d, e: (
                f"handed command over to {d.to}"
                + (f" (from {d.previous})" if d.previous else "")
                + (f": {d.note}" if d.note else "")
            ),
        ),
        _says(IncidentClosed, lambda d, e: f"closed the incident: {d.label or d.outcome}"),
        _says(TriggerDeclared, _trigger),
        _says(TriggerFired, lambda d, e: f"automatic trigger fired: {d.label} — {d.reason}"),
        _says(
            TriggerMerged,
            lambda d, e: f"merged an automatic trigger as evidence: {d.label} — {d.summary}",
        ),
        _says(
            TriggerDismissed,
            lambda d, e: f"dismissed an automatic trigger: {d.label} — {d.reason}",
        ),
        _says(CountdownStarted, lambda d, e: f"auto-rollback countdown started: {d.seconds} s"),
        _says(
            CountdownCancelled,
            lambda d, e: f"auto-rollback countdown{_since(d)} stopped: {d.reason}",
        ),
        _says(
            CountdownElapsed,
            lambda d, e: (
                f"auto-rollback countdown{_since(d)} elapsed with nobody at the console:"
                " the rollback starts"
            ),
        ),
        _says(SystemsSelected, _selected),
        _says(StrategyChosen, _strategy),
        _says(StepStarted, lambda d, e: f"started step {_title(d, e)}"),
        _says(StepConfirmed, lambda d, e: f"confirmed step {_title(d, e)}"),
        _says(
            StepCompleted,
            lambda d, e: f"finished step {_title(d, e)}: {d.status} ({d.summary})",
        ),
        _says(StepSkipped, lambda d, e: f"skipped step {_title(d, e)}: {d.reason}"),
        _says(CommandIntent, _intent),
        _says(CommandResult, _result),
        _says(HostNotStarted, lambda d, e: f"did not start: {d.reason}"),
        _says(
            WaveStarted,
            lambda d, e: f"wave {d.wave} of {d.waves} started ({len(d.hosts)} hosts)",
        ),
        _says(
            WaveFinished,
            lambda d, e: (
                f"wave {d.wave} of {d.waves} finished: {d.succeeded} ok, {d.failed} failed"
            ),
        ),
        _says(RunHalted, lambda d, e: f"halted the run: {d.reason}"),
        _says(RunAborted, lambda d, e: f"aborted: {d.reason}"),
        _says(
            RunDetached,
            lambda d, e: (
                "the console quit leaving the commands running on"
                f" {', '.join(d.hosts) or 'no host'} (detached)"
            ),
        ),
        _says(
            HostkeyAccepted,
            lambda d, e: (
                f"accepted host key {d.fingerprint}"
                + (f" of {d.endpoint}" if d.endpoint else "")
                + (f" ({d.via})" if d.via else "")
            ),
        ),
        _says(LockAcquired, lambda d, e: f"locked systems {', '.join(d.systems)}"),
        _says(
            LockTakenOver,
            lambda d, e: (
                f"took over the stale lock of incident {d.previous.get('incident')}: {d.reason}"
            ),
        ),
        _says(LockReleased, lambda d, e: f"released the locks on {', '.join(d.systems)}"),
        _says(FieldSet, lambda d, e: f"documented {field_title(d.field)}"),
        _says(
            NoteAdded,
            lambda d, e: (
                f"annotated event #{d.about}: {d.text}"
                if d.about is not None
                else f"noted: {d.text}"
            ),
        ),
        _says(
            EventStarred,
            lambda d, e: f"{'starred' if d.starred else 'unstarred'} event #{d.seq}",
        ),
        _says(ExportWritten, lambda d, e: f"exported {d.format} to {d.path}"),
        _says(ProbeSample, lambda d, e: f"probe {d.probe} = {d.value} ({d.state})"),
        _says(
            SoakProgress,
            lambda d, e: f"soak {d.healthy}/{d.needed} healthy ({d.status})",
        ),
        _says(RecoveryMeasured, _recovery),
        _says(IntegrityRecorded, _integrity),
        _says(
            AssessmentRecorded,
            lambda d, e: f"assessed {len(d.hosts)} host(s): {', '.join(d.assessed_keys)}",
        ),
        _says(DeliveryHalted, lambda d, e: f"halted delivery on {len(d.hosts)} host(s)"),
        _says(
            RolloutStep,
            lambda d, e: (
                f"re-enable step {d.index} of {d.of}: {d.percent}% {'ok' if d.ok else 'FAILED'}"
            ),
        ),
        _says(
            NotificationSent,
            lambda d, e: f"sent {_a_notification(d)} via {d.channel} to {d.target}",
        ),
        _says(NotificationResult, _notified),
        _says(AttemptChecked, _attempt_checked),
        _says(
            AttemptStopped,
            lambda d, e: (
                "stopped the earlier attempt"
                if d.stopped
                else f"could not stop the earlier attempt: {d.detail}"
            ),
        ),
        _says(
            UnknownVerified,
            lambda d, e: (
                "checked hosts left unknown: "
                + "; ".join(f"{h} {v}" for h, v in d.verdicts.items())
            ),
        ),
    ]
)


def describe(event: Event) -> str:
    """One line of what happened; a kind from a newer version is shown by its name."""
    formatter = DESCRIBE.get(event.kind)
    text = formatter(event) if formatter else event.kind
    amended = isinstance(event.data, Amendable) and event.data.amendment
    return text + (" (amendment after the close)" if amended else "")


def where(event: Event) -> str:
    parts = [event.where.host or event.where.system or "", event.where.step or ""]
    return " · ".join(p for p in parts if p)


def console_line(event: Event) -> str:
    """A terminal line for headless runs and follow: time, where, what. What a host
    printed is shown with its control characters escaped, never obeyed."""
    data = event.data
    if isinstance(data, CommandOutput):
        mark = "!" if data.stream == "stderr" else "|"
        host = visible(event.where.host or "", one_line=True)
        return "\n".join(
            f"{event.ts:%H:%M:%S}  {host:<10} {mark} {visible(ln)}" for ln in data.lines
        )
    text = describe(event)
    if isinstance(data, CommandIntent):
        first = data.command.strip().splitlines()
        text += f": {first[0] if first else ''}" + (" ..." if len(first) > 1 else "")
    place = event.where.host or event.where.step or event.where.system or ""
    return visible(f"{event.ts:%H:%M:%S}  {place:<10} {text}", one_line=True)
