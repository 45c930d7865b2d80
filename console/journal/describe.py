"""Events in words: one line each, for the timeline, the terminal and the document."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TypeVar

from console.journal import event_phrases as phrase
from console.journal import lock_phrases
from console.journal.times import clock, duration
from console.model import payloads
from console.model.events import Event, Kind
from console.model.outcome import named
from console.model.payloads import Amendable, Payload
from console.model.visible import visible
from console.model.waves import hosts_said, share_said

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


def _probes_read(
    d: payloads.RolloutProbed | payloads.WaveProbed, after: str, then: str, on: str = ""
) -> str:
    """`probes after wave 1 of 4 on web-1: healthy, web/errors = 0.02`, or `...: NOT
    HEALTHY, wave 2 not started: web/errors = 0.31 (bad > 0.05), bad on web-3 0.31`; read
    again on the yes to `then` (`confirmed`), `probes again as wave 2 was confirmed, on
    web-1: ...` (both read `probes after wave 1`, the ask's and the yes's, seen twice)."""
    if d.confirmed:
        said = f"probes again as {then} was confirmed" + (f",{on}" if on else "")
    else:
        said = f"probes after {after}{on}"
    if d.ok:
        return f"{said}: healthy, " + ", ".join(
            f"{k} = {p.get('shown')}" for k, p in d.probes.items()
        )
    return f"{said}: NOT HEALTHY, {then} not started: {d.detail}"


def _says(model: Callable[[], type[P]], words: Callable[[P, Event], str]) -> Describer:
    """A describer: an event said in `words` from its payload, whose model (`model()`, named
    through the package) is built when an event of its kind is first described."""
    return lambda e: words(e.payload(model()), e)


# Keyed by kind: each row names its model lazily, so describing exec's events builds
# none of the other families' (console/model/payloads).
DESCRIBE: dict[str, Describer] = {
    Kind.DRILL_STARTED: _says(lambda: payloads.DrillStarted, phrase.drill_started),
    Kind.DRILL_FAULT: _says(lambda: payloads.DrillFault, phrase.drill_fault),
    Kind.DRILL_FAULT_UNDONE: _says(
        lambda: payloads.DrillFaultUndone,
        lambda d, e: (
            f"undid fault {d.name}"
            + (f": FAILED — {d.detail}" if not d.ok else f": {d.detail}" if d.detail else "")
        ),
    ),
    Kind.DRILL_JUDGED: _says(lambda: payloads.DrillJudged, phrase.drill_judged),
    Kind.INCIDENT_OPENED: _says(
        lambda: payloads.IncidentOpened,
        lambda d, e: "opened the incident" + (" (DRILL)" if d.drill else ""),
    ),
    Kind.INCIDENT_RESUMED: _says(
        lambda: payloads.IncidentResumed,
        lambda d, e: (
            (
                "reopened the closed incident to amend it"
                if d.amendments_only
                else "resumed the incident"
                + (f"; {len(d.unknown)} host(s) unknown" if d.unknown else "")
            )
            + (
                f"; the journal's last line was cut short (the console before stopped while"
                f" writing it: killed, or its disk full), set aside in {d.torn}"
                if d.torn
                else ""
            )
        ),
    ),
    Kind.COMMANDER_HANDED_OVER: _says(
        lambda: payloads.CommanderHandedOver,
        lambda d, e: (
            f"handed command over to {d.to}"
            + (f" (from {d.previous})" if d.previous else "")
            + (f": {d.note}" if d.note else "")
        ),
    ),
    Kind.INCIDENT_CLOSED: _says(
        lambda: payloads.IncidentClosed,
        lambda d, e: (
            f"closed the incident: {d.label or d.outcome}"
            + (f" (outcome unknown on {', '.join(d.unknown)})" if d.unknown else "")
        ),
    ),
    Kind.TRIGGER_DECLARED: _says(lambda: payloads.TriggerDeclared, phrase.trigger),
    Kind.TRIGGER_FIRED: _says(lambda: payloads.TriggerFired, phrase.fired),
    Kind.TRIGGER_MERGED: _says(
        lambda: payloads.TriggerMerged,
        lambda d, e: (
            f"merged an automatic trigger as evidence: {phrase.labelled(d.label, d.summary)}"
        ),
    ),
    Kind.TRIGGER_DISMISSED: _says(
        lambda: payloads.TriggerDismissed,
        lambda d, e: f"dismissed an automatic trigger: {phrase.labelled(d.label, d.reason)}",
    ),
    Kind.COUNTDOWN_STARTED: _says(
        lambda: payloads.CountdownStarted,
        lambda d, e: f"auto-rollback countdown started: {d.seconds} s",
    ),
    Kind.COUNTDOWN_CANCELLED: _says(
        lambda: payloads.CountdownCancelled,
        lambda d, e: f"auto-rollback countdown{phrase.since(d)} stopped: {d.reason}",
    ),
    Kind.COUNTDOWN_ELAPSED: _says(
        lambda: payloads.CountdownElapsed,
        lambda d, e: (
            f"auto-rollback countdown{phrase.since(d)} elapsed with nobody at the console:"
            " the rollback starts"
        ),
    ),
    Kind.SYSTEMS_SELECTED: _says(lambda: payloads.SystemsSelected, phrase.selected),
    Kind.STRATEGY_CHOSEN: _says(lambda: payloads.StrategyChosen, phrase.strategy),
    Kind.STRATEGY_RESOLVED: _says(lambda: payloads.StrategyResolved, phrase.resolved),
    Kind.STEP_STARTED: _says(
        lambda: payloads.StepStarted,
        lambda d, e: (
            f"started step {phrase.title(d, e)}{phrase.again(d)}{phrase.ahead(d)}"
            f"{phrase.recovering(d)}"
        ),
    ),
    Kind.STEP_CONFIRMED: _says(
        lambda: payloads.StepConfirmed,
        lambda d, e: f"confirmed step {phrase.title(d, e)}{phrase.ahead(d)}",
    ),
    Kind.STEP_COMPLETED: _says(
        lambda: payloads.StepCompleted,
        lambda d, e: f"finished step {phrase.title(d, e)}: {phrase.ended(d)}{phrase.recovered(d)}",
    ),
    Kind.STEP_SKIPPED: _says(
        lambda: payloads.StepSkipped, lambda d, e: f"skipped step {phrase.title(d, e)}: {d.reason}"
    ),
    Kind.COMMAND_INTENT: _says(lambda: payloads.CommandIntent, phrase.intent),
    Kind.COMMAND_RESULT: _says(lambda: payloads.CommandResult, phrase.result),
    Kind.HOST_NOT_STARTED: _says(
        lambda: payloads.HostNotStarted, lambda d, e: f"did not start: {d.reason}"
    ),
    Kind.WAVE_STARTED: _says(
        lambda: payloads.WaveStarted,
        lambda d, e: (
            (f"stage {d.stage} of {d.stages} ({d.percent:g}%): " if d.stage else "")
            + f"wave {d.wave} of {d.waves} started"
            f" ({hosts_said(d.hosts, 10 if d.waves > 1 else 0)})"  # as WAVE_ASKED
        ),
    ),
    Kind.WAVE_FINISHED: _says(lambda: payloads.WaveFinished, lambda d, e: wave_finished(d)),
    Kind.WAVE_PAUSED: _says(
        lambda: payloads.WavePaused,
        lambda d, e: (
            f"waiting {duration(d.seconds)} before {d.what} {d.done + 1} of {d.of} ("
            + (f"{d.next_percent:g}%; " if d.next_percent is not None else "")
            + f"the strategy's pause_seconds), until"
            f" {clock(e.ts + timedelta(seconds=d.seconds))}"
        ),
    ),
    Kind.WAVE_ASKED: _says(
        lambda: payloads.WaveAsked,
        lambda d, e: (
            f"stopped to ask: {d.what} {d.done} of {d.of} done{share_said(d.percent)}, start"
            f" {d.what} {d.done + 1}"
            # as the wave's own row: ten names, then how many more (179 named, seen)
            + (f" ({hosts_said(d.hosts, 10)})" if d.hosts else "")
            + f"{share_said(d.next_percent)}?"
        ),
    ),
    Kind.WAVE_ANSWERED: _says(
        lambda: payloads.WaveAnswered,
        lambda d, e: (
            f"{d.what} {d.done + 1} of {d.of} {'confirmed' if d.go_on else 'not started'}:"
            f" answered by {d.by} after {duration(d.waited)}"
        ),
    ),
    Kind.RUN_HALTED: _says(lambda: payloads.RunHalted, lambda d, e: f"halted the run: {d.reason}"),
    Kind.RUN_ABORTED: _says(lambda: payloads.RunAborted, lambda d, e: f"aborted: {d.reason}"),
    Kind.RUN_DETACHED: _says(
        lambda: payloads.RunDetached,
        lambda d, e: (
            (
                f"the console quit leaving the commands running on {', '.join(d.hosts)}"
                if d.hosts  # else a probe step, a question between waves: nothing runs
                else f"the console quit during {', '.join(d.running) or 'a step'},"
                " no command left running"
            )
            + (f" (detached: {d.reason})" if d.reason else " (detached)")
        ),
    ),
    Kind.HOSTKEY_ACCEPTED: _says(
        lambda: payloads.HostkeyAccepted,
        lambda d, e: (
            f"accepted host key {d.fingerprint}"
            + (f" of {d.endpoint}" if d.endpoint else "")
            + (f" ({d.via})" if d.via else "")
        ),
    ),
    Kind.LOCK_ACQUIRED: _says(
        lambda: payloads.LockAcquired, lambda d, e: f"locked systems {', '.join(d.systems)}"
    ),
    Kind.LOCK_TAKEN_OVER: _says(lambda: payloads.LockTakenOver, lock_phrases.lock_taken_over),
    Kind.LOCK_LOST: _says(lambda: payloads.LockLost, lock_phrases.lock_lost),
    Kind.LOCK_RELEASED: _says(
        lambda: payloads.LockReleased,
        lambda d, e: f"released the locks on {', '.join(d.systems)}" + _console_ended(d.reason),
    ),
    Kind.LOCK_KEPT: _says(
        lambda: payloads.LockKept,
        lambda d, e: (
            f"kept the locks on {', '.join(d.systems)}"
            + (" at the close" if d.closed_as else "")
            + (f" (outcome unknown on {', '.join(d.hosts)})" if d.hosts else "")
            + (f": their lock files could not be removed ({d.stuck})" if d.stuck else "")
            + _console_ended(d.reason)
        ),
    ),
    Kind.FIELD_SET: _says(
        lambda: payloads.FieldSet, lambda d, e: f"documented {phrase.field_title(d.field)}"
    ),
    Kind.NOTE_ADDED: _says(
        lambda: payloads.NoteAdded,
        lambda d, e: (
            f"annotated event #{d.about}: {d.text}" if d.about is not None else f"noted: {d.text}"
        ),
    ),
    Kind.EVENT_STARRED: _says(
        lambda: payloads.EventStarred,
        lambda d, e: f"{'starred' if d.starred else 'unstarred'} event #{d.seq}",
    ),
    Kind.EXPORT_WRITTEN: _says(
        lambda: payloads.ExportWritten, lambda d, e: f"exported {d.format} to {d.path}"
    ),
    Kind.PROBE_SAMPLE: _says(lambda: payloads.ProbeSample, phrase.sampled),
    Kind.SOAK_PROGRESS: _says(
        lambda: payloads.SoakProgress,
        lambda d, e: (
            f"soak {d.healthy}/{d.needed} healthy ({d.status})"
            if d.round or d.probes
            else f"soak not sampled ({d.status}): {d.detail}"  # no probe to sample
        ),
    ),
    Kind.RECOVERY_MEASURED: _says(lambda: payloads.RecoveryMeasured, phrase.recovery),
    Kind.INTEGRITY_RECORDED: _says(lambda: payloads.IntegrityRecorded, phrase.integrity),
    Kind.ASSESSMENT_RECORDED: _says(
        lambda: payloads.AssessmentRecorded,
        phrase.assessed,
    ),
    Kind.DELIVERY_HALTED: _says(
        lambda: payloads.DeliveryHalted, lambda d, e: f"halted delivery on {len(d.hosts)} host(s)"
    ),
    Kind.ROLLOUT_STEP: _says(
        lambda: payloads.RolloutStep,
        lambda d, e: (
            f"re-enable step {d.index} of {d.of}: {d.percent}% "
            + ("ok" if d.ok else "FAILED" if d.failed else "stopped before some hosts")
        ),
    ),
    Kind.ROLLOUT_PROBED: _says(
        lambda: payloads.RolloutProbed,
        lambda d, e: _probes_read(
            d,
            f"re-enable step {d.index} of {d.of} ({d.percent:g}%)",
            f"step {d.index + 1} ({d.next_percent:g}%)",
        ),
    ),
    Kind.WAVE_PROBED: _says(
        lambda: payloads.WaveProbed,
        lambda d, e: (
            _probes_read(
                d, f"wave {d.wave} of {d.of}", f"wave {d.wave + 1}", f" on {named(d.hosts)}"
            )
            if d.probes
            else f"probes after wave {d.wave} of {d.of}: none reads {named(d.hosts)} alone,"
            " not judged"
            if d.hosts
            else f"probes after wave {d.wave} of {d.of}: no host succeeded so far, none judged"
        ),
    ),
    Kind.ROLLOUT_HELD: _says(lambda: payloads.RolloutHeld, lambda d, e: d.said(len(d.hosts))),
    Kind.NOTIFICATION_SENT: _says(
        lambda: payloads.NotificationSent,
        lambda d, e: f"sending {phrase.a_notification(d)} via {d.channel} to {phrase.sent_to(d)}",
    ),
    Kind.NOTIFICATION_RESULT: _says(lambda: payloads.NotificationResult, phrase.notified),
    Kind.ATTEMPT_CHECKED: _says(lambda: payloads.AttemptChecked, phrase.attempt_checked),
    Kind.ATTEMPT_STOPPED: _says(
        lambda: payloads.AttemptStopped,
        lambda d, e: (
            "stopped the earlier attempt"
            if d.stopped
            else f"could not stop the earlier attempt: {d.detail}"
        ),
    ),
    Kind.UNKNOWN_VERIFIED: _says(
        lambda: payloads.UnknownVerified,
        lambda d, e: (
            "checked hosts left unknown"
            + (f" (verify by hand, incident {d.by})" if d.by else "")
            + ": "
            + "; ".join(f"{h} {v}" for h, v in d.verdicts.items())
        ),
    ),
}


# What a host unknown at the end of a wave is (it read `1 unknown (check before retrying)`:
# neither which host, nor what unknown meant, nor how to check it).
UNKNOWN_MEANS = (
    "sent, its outcome never seen: the connection dropped mid-command, its verify could not"
    " reach the host, or the change was still under way"
)


def wave_finished(d: payloads.WaveFinished, verify: str = "") -> str:
    """`wave 2 of 3 finished: 1 ok, 0 failed, 1 unknown (web-2: sent, its outcome never
    seen: ...; check it before retrying)`; `verify`: what checks them where the line
    is read (the console's key, or a headless run's command line), else said in words."""
    them = "them" if d.unknown > 1 else "it"
    check = f"{verify} checks {them}" if verify else f"check {them}"  # a command step: by hand
    named = f"{', '.join(d.unknown_hosts)}: " if d.unknown_hosts else ""
    return (
        f"wave {d.wave} of {d.waves} finished: {d.succeeded} ok, {d.failed} failed"
        + (f", {d.refused} refused" if d.refused else "")
        + (
            f", {d.unknown} unknown ({named}{UNKNOWN_MEANS}; {check} before retrying)"
            if d.unknown
            else ""
        )
        + (f", {d.aborted} aborted" if d.aborted else "")
        + (f", {d.not_started} not started" if d.not_started else "")
        + phrase.file_room(d)
    )


def describe(event: Event, verify: str = "") -> str:
    """One line of what happened; a kind from a newer version is shown by its name.
    `verify`: what verifies a host whose outcome is unknown, where the line is read (the
    console's key; a headless command's command line); the document says it in words."""
    formatter = DESCRIBE.get(event.kind)
    text = formatter(event) if formatter else event.kind
    if verify and formatter and event.kind == Kind.WAVE_FINISHED:
        text = wave_finished(event.payload(payloads.WaveFinished), verify)
    amended = isinstance(event.data, Amendable) and event.data.amendment
    return text + (" (amendment after the close)" if amended else "")


def notified_lines(events: Iterable[Event], failed_only: bool = True) -> list[str]:
    """Each notification's outcome in `events` (only those not delivered, unless told),
    a line each, under its step's id when a step sent it (two steps on one channel read
    alike: `notification via incidents`, the one-off and the periodic)."""
    return [
        visible(f"  {f'{e.where.step}: ' if e.where.step else ''}{describe(e)}", one_line=True)
        for e in events
        if e.kind == Kind.NOTIFICATION_RESULT
        and not (failed_only and e.payload(payloads.NotificationResult).ok)
    ]


def where(event: Event) -> str:
    parts = [event.where.host or event.where.system or "", event.where.step or ""]
    return " · ".join(p for p in parts if p)


def _console_ended(reason: str | None) -> str:
    """`: the console ended by SIGTERM`, `: the console ended, terminal closed (SIGHUP)`
    (it read `the console ended, ended by SIGTERM`), or nothing."""
    if not reason:
        return ""
    return (
        f": the console {reason}"
        if reason.startswith("ended ")
        else f": the console ended, {reason}"
    )
