"""Resolution steps, failures and notifications: what was done, step by step; which hosts
failed, what they printed on stderr, and what was done about it; every message sent."""

from __future__ import annotations

import re
from collections import deque

from console.journal.export import reading
from console.journal.export.facts import (
    Command,
    FailureFacts,
    Halt,
    Notification,
    StepFacts,
)
from console.journal.tails import STDERR_LINES, STDOUT_LINES
from console.model.events import Event, Kind
from console.model.payloads import CommandIntent, CommandResult, StepCompleted
from console.model.state import HostStatus, IncidentState, StepStatus
from console.model.status import NEVER_RAN, FailureClass, outcome_unknown
from console.model.step_state import is_adhoc

STEP_EVENTS = (Kind.STEP_STARTED, Kind.STEP_CONFIRMED, Kind.STEP_COMPLETED, Kind.STEP_SKIPPED)
# The line that runs a command from its host's work directory (templates.in_workdir).
IN_WORKDIR = re.compile(r"\Acd -- (.+?) \|\| exit 97\n")


def step_titles(events: list[Event]) -> dict[str, str]:
    """Every step's title: the procedure's, then whatever the step events called it."""
    titles = {sid: meta.get("title", sid) for sid, meta in reading.step_catalogue(events).items()}
    for event in events:
        if event.kind in STEP_EVENTS and event.where.step:
            titles.setdefault(event.where.step, reading.title_of(event) or event.where.step)
    return titles


class _Commands:
    """A step's commands as sent, each once, with the hosts it went to and the step's runs
    it was sent in; hosts that ran the same one from different work directories share one
    entry that lists the directories, sorted (not in the order the hosts happened to
    start). Found by the command (and by its body after `cd -- DIR || exit 97`) in a dict:
    a loop over those known made 1,000 hosts' commands that name `{{host}}` (3,000
    different ones) 3.4 s of a 5.6 s export."""

    def __init__(self) -> None:
        self.sent: list[Command] = []
        self._exact: dict[tuple[str, str], int] = {}  # (stage, command) -> entry, no workdirs
        self._bodies: dict[tuple[str, str], int] = {}  # (stage, body after its cd) -> entry

    def add(self, event: Event, run: int) -> None:
        stage, command = reading.stage(event), event.payload(CommandIntent).command
        i = self._exact.get((stage, command))
        if i is not None:
            _sent(self.sent[i], event, run)
            return
        workdir = IN_WORKDIR.match(command)
        body = command[workdir.end() :] if workdir else ""
        i = self._bodies.get((stage, body)) if workdir else None
        if workdir is None or i is None:
            self._exact[(stage, command)] = len(self.sent)
            if workdir:
                self._bodies[(stage, body)] = len(self.sent)
            self.sent.append(_sent(Command(stage=stage, command=command), event, run))
            return
        known = self.sent[i]
        if not known.workdirs:  # the first host's, from another directory: now shared
            first = IN_WORKDIR.match(known.command)
            assert first is not None  # indexed by its body: it had its cd
            del self._exact[(stage, known.command)]
            known = self.sent[i] = Command(
                stage=stage,
                command=body,
                workdirs=[first.group(1)],
                hosts=known.hosts,
                runs=known.runs,
            )
        if workdir.group(1) not in known.workdirs:
            known.workdirs.append(workdir.group(1))
            known.workdirs.sort()
        _sent(known, event, run)


def _sent(command: Command, event: Event, run: int) -> Command:
    host = event.where.host
    if host and host not in command.hosts:
        command.hosts.append(host)
        command.hosts.sort()
    if run and run not in command.runs:
        command.runs.append(run)
    return command


def build_steps(events: list[Event], state: IncidentState) -> list[StepFacts]:
    """Every step acted on, in the order it was first acted on; then the procedure's steps
    nobody reached, as `not done`."""
    catalogue = reading.step_catalogue(events)
    titles = step_titles(events)
    order: list[str] = []
    confirmed: dict[str, str] = {}
    commands: dict[str, _Commands] = {}
    runs: dict[str, int] = {}
    ended: dict[str, str] = {}  # how each step's latest run ended, until a retry starts
    earlier: dict[str, list[str]] = {}
    for event in events:
        step = event.where.step
        if not step:
            continue
        if event.kind in STEP_EVENTS and step not in order:
            order.append(step)
        if event.kind == Kind.STEP_CONFIRMED:
            confirmed[step] = reading.confirmer(event)
        elif event.kind == Kind.STEP_STARTED:
            if step in ended:
                earlier.setdefault(step, []).append(ended.pop(step))
            runs[step] = runs.get(step, 0) + 1
        elif event.kind == Kind.STEP_COMPLETED:
            ended[step] = f"attempt {runs.get(step, 1)}: {_ended(event.payload(StepCompleted))}"
        elif event.kind == Kind.COMMAND_INTENT:
            commands.setdefault(step, _Commands()).add(event, runs.get(step, 0))
    out = []
    for step in order:
        st = state.step(step)
        counts: dict[str, int] = {}
        for run in st.hosts.values():
            counts[run.status.value] = counts.get(run.status.value, 0) + 1
        status = "interrupted" if st.status is StepStatus.RUNNING else st.status.value
        meta = catalogue.get(step, {})
        out.append(
            StepFacts(
                id=step,
                title=titles.get(step, step),
                phase=meta.get("phase") or ("adhoc" if is_adhoc(step) else None),
                kind=meta.get("kind"),
                status=status,
                summary=st.summary,
                counts=dict(sorted(counts.items())),
                confirmed_by=confirmed.get(step),
                skipped_because=st.skip_reason if st.status is StepStatus.SKIPPED else None,
                started=st.started,
                finished=st.finished,
                attempts=max([runs.get(step, 0), *(r.attempt for r in st.hosts.values())]),
                earlier=earlier.get(step, []),
                commands=commands[step].sent if step in commands else [],
                to=st.to or None,
            )
        )
    for step, meta in catalogue.items():
        if step not in order:
            out.append(
                StepFacts(
                    id=step,
                    title=meta.get("title", step),
                    phase=meta.get("phase"),
                    kind=meta.get("kind"),
                    status="not done",
                    summary="",
                    counts={},
                    confirmed_by=None,
                    skipped_because=None,
                    started=None,
                    finished=None,
                    attempts=0,
                    commands=[],
                )
            )
    return out


def _ended(data: StepCompleted) -> str:
    """`held at 50 % on 4 hosts (...)`, `failed: 2 failed, 2 succeeded`: a run's end; a
    summary that says its status already says it alone (`FAILED: status: HTTP 503 ...`)."""
    status = data.status.value
    if not data.summary or data.summary.lower().startswith(status):
        return data.summary or status
    return f"{status}: {data.summary}"


class _Attempts:
    """Per (step, host): each attempt's last stderr lines, its last stage's last stdout
    lines, and its failure, as recorded."""

    def __init__(self) -> None:
        self.current: dict[tuple[str, str], int] = {}
        self.stderr: dict[tuple[str, str, int], deque[str]] = {}
        self.stdout: dict[tuple[str, str, int], deque[str]] = {}
        self.failed: dict[tuple[str, str], tuple[int, Event]] = {}

    def see(self, event: Event) -> None:
        step, host = event.where.step, event.where.host
        if not step or not host:
            return
        key = (step, host)
        if event.kind == Kind.COMMAND_INTENT:
            self.current[key] = reading.attempt(event)
            self.stdout.pop((*key, self.current[key]), None)  # a stage's own output only
        elif event.kind == Kind.COMMAND_OUTPUT:
            attempt = (*key, self.current.get(key, 1))
            if lines := reading.stderr(event):
                self.stderr.setdefault(attempt, deque(maxlen=STDERR_LINES)).extend(lines)
            elif lines := reading.stdout(event):
                self.stdout.setdefault(attempt, deque(maxlen=STDOUT_LINES)).extend(lines)
        elif isinstance(event.data, CommandResult) and _failed(event.data):
            self.failed[key] = (self.current.get(key, 1), event)


def _failed(result: CommandResult) -> bool:
    """A failure or an abort; a precheck's refusal is none (nothing was changed there), nor
    a command whose outcome it left unknown (lost mid-change, still under way): V settles
    that, and a host it found changed never failed."""
    if outcome_unknown(result.failure, result.stage, result.exit_status):
        return False
    return bool(result.failure or result.aborted) and result.refused is None


def build_failures(events: list[Event], state: IncidentState) -> list[FailureFacts]:
    """Each host that failed in a step (even if a retry then succeeded) or was left
    unknown or aborted, with its last failure and what was done about it."""
    attempts = _Attempts()
    for event in events:
        attempts.see(event)
    titles = step_titles(events)
    closes = [e for e in events if e.kind == Kind.INCIDENT_CLOSED]
    closed_as = reading.outcome(closes[-1]) if closes and state.closed_at else None
    out = []
    for step, st in state.steps.items():
        for host, run in st.hosts.items():
            failed = attempts.failed.get((step, host))
            bad = run.status in (HostStatus.FAILED, HostStatus.UNKNOWN, HostStatus.ABORTED)
            if failed is None and not bad:
                continue
            attempt = run.attempt if bad else failed[0]  # type: ignore[index]
            result = (
                failed[1].payload(CommandResult)
                if failed and failed[0] == attempt
                else CommandResult(stage="")
            )
            out.append(
                FailureFacts(
                    step=step,
                    step_title=titles.get(step, step),
                    host=host,
                    system=run.system,
                    # an earlier attempt a person aborted is said so, never "failed"
                    status=run.status.value if bad else past_status(result),
                    failure=(run.failure if run.failure and bad else result.failure),
                    detail=(run.detail if bad else result.detail),
                    exit_status=run.exit_status if bad else result.exit_status,
                    attempt=attempt,
                    stage=(run.stage if bad else result.stage) or None,
                    stderr=list(attempts.stderr.get((step, host, attempt), [])),
                    stdout=list(attempts.stdout.get((step, host, attempt), [])),
                    done=_done(state, step, host, attempt, closed_as)
                    + _untouched(
                        run.failure if run.failure and bad else result.failure,
                        (run.stage if bad else result.stage) or None,
                    )
                    + _maybe_changed(state, step, host, attempt),
                )
            )
    return out


def past_status(result: CommandResult) -> str:
    """How an earlier attempt (retried since) ended: aborted by a person, or failed."""
    return HostStatus.ABORTED.value if result.aborted else HostStatus.FAILED.value


def _done(
    state: IncidentState, step: str, host: str, failed_attempt: int, closed_as: str | None
) -> str:
    """What became of a failed host: retried, undone, skipped, accepted at the close."""
    st = state.step(step)
    run = st.hosts[host]
    said = []
    if run.attempt > failed_attempt or (run.status is HostStatus.SUCCEEDED and run.attempt > 1):
        said.append(f"retried: attempt {run.attempt} {run.status.value}")
    elif run.attempt > 1:
        said.append(f"retried {run.attempt - 1} time(s): still {run.status.value}")
    undo = state.steps.get(f"{step}.undo")
    if undo and host in undo.hosts:
        said.append(f"undone: {undo.hosts[host].status.value}")
    if st.status is StepStatus.SKIPPED:
        said.append(f"step skipped: {st.skip_reason}")
    if run.status is HostStatus.UNKNOWN:
        # A step with no verify to run (a command step's): checked by hand instead.
        check = "check the host by hand" if state.no_verify_to_run(step) else "verify the host"
        said.append(f"nothing yet: {check} before any retry")
    if not said and run.status is not HostStatus.SUCCEEDED and closed_as:
        verb = "accepted" if host in closed_as else "nothing more: the incident was closed"
        said.append(f"{verb} ({closed_as})")
    elif not said and not closed_as:
        said.append("nothing yet: the incident is open")
    return "; ".join(said) or "nothing recorded"


def _untouched(failure: FailureClass | None, stage: str | None) -> str:
    """What a failure that came before anything was sent to change the host says of it:
    nothing ran there (never reached, never logged in), or the precheck failed and the
    action never ran; else nothing."""
    if failure in NEVER_RAN:
        return "; no command ran there (it was never reached or never logged in)"
    if stage == "precheck":
        return "; its precheck failed, so the action never ran there"
    return ""


def _maybe_changed(state: IncidentState, step: str, host: str, attempt: int) -> str:
    """A host whose action ran and did not finish, no undo since: it may be changed there
    (a restore stopped once the data directory was replaced), as the run's last lines and
    the console's close say, where "nothing more" read as if nothing had happened."""
    run = state.step(step).hosts[host]
    if state.drill or run.stage != "action" or run.attempt != attempt or run.nothing_sent():
        return ""
    if run.status not in (HostStatus.FAILED, HostStatus.ABORTED):
        return ""
    undo = state.steps.get(f"{step}.undo")
    if undo and host in undo.hosts:
        return ""
    how = "was stopped midway" if run.status is HostStatus.ABORTED else "failed"
    return f"; it may have changed the host (its action {how} there), and no undo ran"


def build_halts(events: list[Event]) -> list[Halt]:
    halts = []
    for index, event in enumerate(events):
        if event.kind != Kind.RUN_HALTED:
            continue
        step = event.where.step
        later = [e for e in events[index + 1 :] if e.where.step == step]
        # this run's hosts held back (up to the step's next start), and which of them a
        # later run started (seen: "not started: web-3" of a host rolled back since)
        ends = next((n for n, e in enumerate(later) if e.kind == Kind.STEP_STARTED), len(later))
        waiting = [e.where.host for e in later[:ends] if e.kind == Kind.HOST_NOT_STARTED]
        held = [h for h in dict.fromkeys(waiting) if h]
        begun = {e.where.host for e in later[ends:] if e.kind == Kind.COMMAND_INTENT}
        halts.append(
            Halt(
                at=event.ts,
                step=step,
                reason=reading.halt_reason(event),
                not_started=held,
                started_since=[h for h in held if h in begun],
            )
        )
    return halts


def build_notifications(events: list[Event], state: IncidentState) -> list[Notification]:
    when = {e.seq: e.ts for e in events if e.kind == Kind.NOTIFICATION_SENT}
    out = []
    for sent in state.notifications:
        result = sent.get("result") or {}
        delivered = result.get("ok") if result else None
        if result:
            outcome = "delivered" if delivered else "not delivered"
            outcome += f" ({result.get('detail')})" if result.get("detail") else ""
        else:
            outcome = "no result recorded"
        out.append(
            Notification(
                at=when.get(sent["seq"]) or state.opened_at or events[0].ts,
                step=sent.get("step"),
                channel=sent.get("channel"),
                kind=sent.get("kind"),
                target=sent.get("target"),
                severity=sent.get("severity"),
                text=reading.notification_text(sent),
                delivered=delivered,
                result=outcome,
            )
        )
    return out
