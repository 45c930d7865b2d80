"""The longer phrases of `describe`'s table: how the payload of a step, a command, a
trigger, a notification or a drill reads in one line."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from console.journal.times import clock, duration, minutes, timed_said
from console.journal.worded import EMPTY_LAST, RESOLVED_WORDS, worded_since
from console.model.events import Event
from console.model.integrity_judged import (
    match_detail,
    not_expected,
    not_expected_said,
    unjudged_said,
)
from console.model.procedure import FormField
from console.model.recovery import recovery_verdict
from console.model.status import StepStatus, outcome_unknown, step_said
from console.model.step_state import recovery_said
from console.model.visible import assignments, visible, with_empty_last
from console.model.waves import hosts_said, named_some

if TYPE_CHECKING:
    from console.model.payloads import (
        AssessmentRecorded,
        AttemptChecked,
        CommandIntent,
        CommandResult,
        CountdownStarted,
        DrillFault,
        DrillJudged,
        DrillStarted,
        IntegrityRecorded,
        NotificationResult,
        NotificationSent,
        ProbeSample,
        RecoveryMeasured,
        StepCompleted,
        StepConfirmed,
        StepStarted,
        StrategyChosen,
        StrategyResolved,
        SystemsSelected,
        TriggerDeclared,
        TriggerFired,
        WaveFinished,
    )
    from console.model.payloads.steps import Passed, StepData


def title(d: StepData, e: Event) -> str:
    return f"“{d.title or e.where.step}”"


def field_title(name: object) -> str:
    """`root cause`, `retry at (UTC)`: a form field as words in a sentence."""
    try:
        title = FormField(str(name)).label
    except ValueError:
        return str(name)  # a field from a newer version
    return title[0].lower() + title[1:]


def trigger(d: TriggerDeclared, e: Event) -> str:
    """A reason that starts with the label (a firing's) says it once, as `labelled`."""
    return f"declared the trigger: {labelled(d.label, d.reason) if d.reason else d.label}" + (
        f"; commander {d.commander}" if d.commander else ""
    )


def selected(d: SystemsSelected, e: Event) -> str:
    n = len(d.hosts)
    text = f"selected systems: {', '.join(d.systems)} ({n} host{'' if n == 1 else 's'})"
    if d.ssh_check_failed:
        text += "; failing the SSH check when picked: " + ", ".join(
            f"{h} ({why})" for h, why in d.ssh_check_failed.items()
        )
    return text


def strategy(d: StrategyChosen, e: Event) -> str:
    """Journals written before 741534ae said each empty parameter in place
    (`running=(empty)`): worded by time (console/journal/worded.py)."""
    together = worded_since(EMPTY_LAST, e.ts)
    params = with_empty_last(d.params) if together else assignments(d.params)
    return f"chose the strategy: {d.strategy}" + (f" ({params})" if params else "")


def resolved(d: StrategyResolved, e: Event) -> str:
    from console.journal.resolved_said import resolved_phrase

    return resolved_phrase(d, words=worded_since(RESOLVED_WORDS, e.ts))


def result(d: CommandResult, e: Event) -> str:
    return _result(d) + (f" ({said})" if (said := logins_dropped(d)) else "")


def logins_dropped(d: CommandResult) -> str:
    """`its bastion had dropped 2 login(s) ...` of a command whose host's login an sshd
    dropped and was tried again (else nothing): the timeline's line, the output pane's."""
    if not d.logins_dropped:
        return ""
    where = d.dropped_at or {"proxy": d.logins_dropped}
    said = "; ".join(_dropped_at(at, times) for at, times in where.items())
    return f"{said} first, MaxStartups: tried again, nothing had been sent"


def file_room(d: WaveFinished) -> str:
    """What a wave's open files cost it, if anything: `; 50 of its commands on the jump
    host waited their turn ...; 13 idle connection(s) closed to make room ...`."""
    limit = f" (ulimit -n {d.open_files})"
    waited = (
        f"; {d.waited_for_files} of its commands on the jump host waited their turn for"
        f" open files{limit}"
    )
    closed = (
        f"; {d.closed_for_files} idle connection(s) closed to make room for open files"
        f"{'' if d.waited_for_files else limit}, their hosts dialled again when next used"
    )
    return (waited if d.waited_for_files else "") + (closed if d.closed_for_files else "")


def _dropped_at(at: str, times: int) -> str:
    if at == "proxy":
        return f"its bastion had dropped {times} login(s) of its proxy command"
    if at == "sshd":
        return f"its sshd had dropped {times} login(s)"
    return f"{at}'s own login had been dropped {times} time(s)"


def _result(d: CommandResult) -> str:
    if d.aborted:
        return f"{d.stage} aborted — {d.detail or ''}"
    if d.refused is not None:
        return f"{d.stage} refused: nothing to do here, nothing more was sent — {d.refused}"
    if d.failure and outcome_unknown(d.failure, d.stage, d.exit_status):
        # not a failure: the change may have been made, or be still under way
        return f"{d.stage} ended, outcome unknown: {d.failure} — {d.detail or ''}"
    if d.failure:
        return f"{d.stage} failed: {d.failure} — {d.detail or ''}"
    return f"{d.stage} succeeded in {d.duration or 0:.2f} s"


def again(d: StepStarted) -> str:
    """` again, attempt 2 (1 host: web-3)`: a retry names its attempt and its hosts, which
    the timeline's first start of the step, on every host, does not tell apart (else
    nothing)."""
    if d.attempt <= 1:
        return ""
    return f" again, attempt {d.attempt}" + (f" ({hosts_said(d.hosts, 3)})" if d.hosts else "")


def out_of_order(ahead: list[Passed] | None) -> str:
    """`out of order (ahead of 2 steps not done: 1. Open the bridge; 2. Halt delivery)`, of
    a step taken ahead of the checklist's order (else nothing): its start or confirmation,
    the document's line for it."""
    if not ahead:
        return ""
    steps = "1 step" if len(ahead) == 1 else f"{len(ahead)} steps"
    named = "; ".join(f"{p['number']}. {p['title']}" for p in ahead)
    return f"out of order (ahead of {steps} not done: {named})"


def ahead(d: StepStarted | StepConfirmed) -> str:
    """` out of order (ahead of ...)` after a step's title, when it was taken so."""
    said = out_of_order(d.ahead_of)
    return f" {said}" if said else ""


def recovering(d: StepStarted) -> str:
    """`: recovering to the time 2025-05-16T10:29:30Z`, as a strategy step that says what
    it brings the data back to starts (else nothing)."""
    return f": {recovery_said(StepStatus.RUNNING, d.to)}" if d.to else ""


def recovered(d: StepCompleted) -> str:
    """`; recovered to the time ...` once done (else nothing: its start said the target,
    and a step that did not finish brought the data back to nothing it names)."""
    return f"; {recovery_said(d.status, d.to)}" if d.to and d.status is StepStatus.DONE else ""


def ended(d: StepCompleted) -> str:
    """`done (3 succeeded)`; a summary that starts with its status says it once:
    `refused at the precheck on 1 host ...`."""
    status = step_said(d.status, d.summary)  # `aborted (2 aborted)`, not `failed (...)`
    return d.summary if d.summary.startswith(f"{status} ") else f"{status} ({d.summary})"


def fired(d: TriggerFired, e: Event) -> str:
    """`automatic trigger fired: REASON`; recorded a second or more from when it fired (a
    firing on the home screen taken into the incident later), when it fired:
    `automatic trigger fired at 19:05:41: REASON`, not as if it fired as it was taken."""
    said = labelled(d.label, d.reason)
    try:
        apart = abs((e.ts - datetime.fromisoformat(d.fired_at or "")).total_seconds())
    except (ValueError, TypeError):  # not said, or a journal's own text
        return f"automatic trigger fired: {said}"
    at = f" at {(d.fired_at or '')[11:19]}" if apart >= 1 else ""
    return f"automatic trigger fired{at}: {said}"


def labelled(label: str, text: str) -> str:
    """`label — text`, the label said once: a trigger's reason may start with it
    ("Critical error threshold exceeded: web/error-rate = 0.31 ...")."""
    return text if text.startswith(label) else f"{label} — {text}"


def intent(d: CommandIntent, e: Event) -> str:
    """`sending action (attempt 1)`: recorded before the command goes, as it is being
    sent; its result says whether it went ("nothing sent" when no session opened)."""
    masked = ", secrets masked in this record" if d.masked else ""
    here = " on the jump host" if d.on == "jump-host" else ""
    return f"sending {d.stage}{here} (attempt {d.attempt}{masked})"


def assessed(d: AssessmentRecorded, e: Event) -> str:
    """`assessed 3 host(s): release, deployed_at`, then the hosts it could not read
    (`; not read on web-4`); none read: `assessed 0 host(s): not read on web-1, web-2`,
    never a bare colon; read, no `key=value` line: `...: no key=value line printed`."""
    keys = ", ".join(d.assessed_keys) or ("no key=value line printed" if d.hosts else "")
    failed = f"not read on {named_some(d.failed, 5)}" if d.failed else ""
    said = "; ".join(part for part in (keys, failed) if part) or "no host to read"
    return f"assessed {len(d.hosts)} host(s): {said}"


def integrity(d: IntegrityRecorded, e: Event) -> str:
    """`integrity after: match (database shop: checksum …, orders=3)`: the database the
    tables were counted in, when said (another's tables are not these); a migration
    preset records row counts only: no checksum is shown for it. A mismatch or a missing
    record says why, as it happens: `...: rows.orders 3 != expected 4`."""
    values = [f"checksum {d.checksum[:16]}…"] if d.checksum else []
    values += [f"{k}={v}" for k, v in sorted(d.rows.items())]
    values += [f"no such table: {', '.join(d.absent)}"] if d.absent else []
    where = f"database {d.database}: " if d.database else ""
    detail = match_detail(e.where.step, d.verdict, d.detail, d.expected)
    why = f": {detail}" if detail else ""
    # an after nothing judged says so: "recorded" alone read as checked; its detail says
    # why, where it has one (it read "nothing was expected of it", then why not judged)
    unjudged = (d.stage, d.verdict, d.detail) == ("after", "recorded", "")
    verdict = unjudged_said(e.where.step) if unjudged else d.verdict
    # a match judges what the expectation names, no more: the rest said recorded only
    also = (
        not_expected_said(not_expected(d.rows, d.checksum, d.expected))
        if d.verdict == "match"
        else ""
    )
    return f"integrity {d.stage}: {verdict} ({where}{', '.join(values) or 'nothing measured'}){why}{also}"


def recovery(d: RecoveryMeasured, e: Event) -> str:
    target = f"target {minutes(d.rto_minutes)}" if d.rto_minutes else "no target"
    # the verdict in today's words, whatever an older journal recorded ("RTO exceeded")
    verdict = recovery_verdict(float(d.seconds), d.rto_minutes)
    timed = timed_said(d.clock, None if d.wall_step is None else float(d.wall_step))
    said = f"recovery: {e.where.system} {duration(d.seconds)} ({target}, {verdict})"
    return f"{said}; {timed}" if timed else said


def sampled(d: ProbeSample, e: Event) -> str:
    # The probes' module only when a sample is described: exec and run fold no samples.
    from console.model.probe_text import recorded_text

    # One taken before the journal was attached (the state at its start) says when, before
    # its value: at 80 columns, two such rows read 'probe app/errors = 0.31 (bad), as
    # sampled at 09:…', alike, the time that tells them apart cut; to the millisecond, as
    # the first of a bad run and the latest may share a second ('(sampled 09:29:58)' twice).
    held = f" at {_to_the_ms(d.at)}" if d.journalled == "held" else ""
    return f"probe {d.probe}{held} = {recorded_text(d.value, d.hosts, d.unit)} ({d.state})"


def _to_the_ms(at: str) -> str:
    """`09:29:58.213` of an ISO 8601 time, in its own offset."""
    try:
        return datetime.fromisoformat(at).strftime("%H:%M:%S.%f")[:12]
    except ValueError:  # not a time: as far as it goes
        return at[11:19]


def since(d: CountdownStarted) -> str:
    """` of 15 s (from 09:30:12)` for a countdown event that says when it started."""
    started = (d.started or "")[11:19]
    return (f" of {d.seconds:g} s" if d.seconds is not None else "") + (
        f" (from {started})" if started else ""
    )


# When PagerDuty's incident events go: said after the event's action.
_LIFECYCLE = {
    "trigger": "on the declaration",
    "acknowledge": "as the rollback started",
    "close": "on the close",
}


def a_notification(d: NotificationSent) -> str:
    if d.lifecycle:
        return f"a PagerDuty {d.action} {_LIFECYCLE.get(d.lifecycle, f'({d.lifecycle})')}"
    what = f"status update #{d.repeat + 1}" if d.repeat else "notification"
    if not d.severity:
        return f"a {what}"
    return f"{'an' if d.severity[0] in 'aeiou' else 'a'} {d.severity} {what}"


def sent_to(d: NotificationSent) -> str:
    """Where it went: a command as it ran (its `target` is the channel's template, whose
    `{{message}}` would read as sent as is), else the target, without its secret."""
    if d.kind == "command" and d.command:
        return f"the jump host: {visible(d.command, one_line=True)}"
    return d.target


def notified(d: NotificationResult, e: Event) -> str:
    verdict = "delivered" if d.ok else "FAILED" if d.required else "NOT DELIVERED (warning)"
    what = f"status update #{d.repeat + 1}" if d.repeat else "notification"
    what = f"PagerDuty {d.action}" if d.action else what  # an incident event: which
    return f"{what} via {d.channel}: {verdict} — {d.detail}"


def attempt_checked(d: AttemptChecked, e: Event) -> str:
    if d.running:
        return f"earlier attempt still running ({len(d.processes)} process(es))"
    if d.running is False:
        return "earlier attempt no longer running"
    return f"earlier attempt: could not tell ({d.detail})"


def drill_fault(d: DrillFault, e: Event) -> str:
    """`injected fault NAME on HOSTS`, and when it was in place on a host well before
    every host had it (one slow to take it), that time: its recovery clock starts there."""
    said = f"injected fault {d.name} on {', '.join(d.hosts)}"
    at = datetime.fromisoformat(d.in_place_at) if d.in_place_at else e.ts
    if (e.ts - at).total_seconds() >= 1:
        said += f" (in place on a first host at {clock(at)}: the recovery clock starts there)"
    return said


def drill_started(d: DrillStarted, e: Event) -> str:
    parts = "; ".join(f"{p['strategy']} on {', '.join(p['systems'])}" for p in d.parts)
    faults = f", faults {', '.join(d.faults)}" if d.faults else ""
    return f"DRILL {d.scenario}: {parts}{faults}; expects {d.expect}"


def drill_judged(d: DrillJudged, e: Event) -> str:
    """The verdict first: a timeline row at 80 columns read 'drill db-restore judged:
    verified (expected verifi…', whether it passed cut off."""
    how = f"{d.outcome} (expected {d.expected})"
    if d.passed:
        return f"drill {d.scenario} PASSED: {how}"
    return f"drill {d.scenario} FAILED: {'; '.join(d.findings)}; {how}"
