"""Resolution steps, failures and notifications: what was done, step by step; which hosts
failed, what they printed on stderr, and what was done about it; every message sent."""

from __future__ import annotations

import re

from console.journal.export import reading
from console.journal.export.facts import (
    Command,
    Halt,
    Notification,
    StepFacts,
)
from console.journal.export.interrupted import interruptions
from console.journal.worded import NEVER_ENDED, worded_since
from console.model.events import Event, Kind
from console.model.payloads import CommandIntent, StepCompleted, StepConfirmed, StepStarted
from console.model.payloads.steps import Passed
from console.model.state import IncidentState, StepStatus
from console.model.step_state import is_adhoc
from console.model.waves import named_some

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
    cut = interruptions(events)
    order: list[str] = []
    confirmed: dict[str, str] = {}
    ahead: dict[str, list[Passed]] = {}  # taken out of order: the first time it was
    commands: dict[str, _Commands] = {}
    runs: dict[str, int] = {}
    ended: dict[str, str] = {}  # how each step's latest run ended, until a retry starts
    earlier: dict[str, list[str]] = {}
    unanswered: dict[str, list[str]] = {}  # each step's hosts sent a command with no result
    for event in events:
        step = event.where.step
        if not step:
            continue
        if event.kind in STEP_EVENTS and step not in order:
            order.append(step)
        if isinstance(event.data, StepStarted | StepConfirmed) and event.data.ahead_of:
            ahead.setdefault(step, event.data.ahead_of)
        if event.kind == Kind.STEP_CONFIRMED:
            confirmed[step] = reading.confirmer(event)
        elif event.kind == Kind.STEP_STARTED:
            if said := event.payload(StepStarted).confirmed:  # a command or strategy's yes
                confirmed[step] = said
            if step in ended:
                earlier.setdefault(step, []).append(ended.pop(step))
            elif step in runs and worded_since(NEVER_ENDED, event.ts):
                earlier.setdefault(step, []).append(_never_ended(runs[step], unanswered[step]))
            runs[step] = runs.get(step, 0) + 1
            unanswered[step] = []
        elif event.kind == Kind.STEP_COMPLETED:
            ended[step] = f"attempt {runs.get(step, 1)}: {_ended(event.payload(StepCompleted))}"
        elif event.kind == Kind.COMMAND_INTENT:
            commands.setdefault(step, _Commands()).add(event, runs.get(step, 0))
            unanswered.setdefault(step, []).append(event.where.host or "")
        elif event.kind == Kind.COMMAND_RESULT and event.where.host in unanswered.get(step, ()):
            unanswered[step].remove(event.where.host or "")
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
                ahead_of=ahead.get(step, []),
                started=st.started,
                finished=st.finished,
                attempts=max([runs.get(step, 0), *(r.attempt for r in st.hosts.values())]),
                earlier=earlier.get(step, []),
                interrupted=cut.get(step, []),
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


def _never_ended(run: int, unanswered: list[str]) -> str:
    """`attempt 1: never ended (the console running it ended first); outcome unknown
    then on web-3, web-5`: a run a retry followed with no end on record. Seen: a teammate's
    `run` killed mid-wave, taken over and retried on its two unknown hosts, read "done: 6
    succeeded; 2 attempts", nothing said of the first."""
    said = f"attempt {run}: never ended (the console running it ended first)"
    hosts = sorted(set(unanswered) - {""})
    return said + (f"; outcome unknown then on {named_some(hosts, 5)}" if hosts else "")


def _ended(data: StepCompleted) -> str:
    """`held at 50 % on 4 hosts (...)`, `failed: 2 failed, 2 succeeded`: a run's end; a
    summary that says its status already says it alone (`FAILED: status: HTTP 503 ...`)."""
    status = data.status.value
    if not data.summary or data.summary.lower().startswith(status):
        return data.summary or status
    return f"{status}: {data.summary}"


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
