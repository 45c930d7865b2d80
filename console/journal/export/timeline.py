"""The timeline: key events one row each; what hosts did condensed to one row per step and
wave ("restore: 3 hosts sent → 3 succeeded in 0.62 s", "→ 2 held at 25 %, 1 failed"); or
only the starred events."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.journal.describe import TIMELINE_KINDS, describe, where
from console.journal.event_phrases import recovered
from console.journal.export import reading
from console.journal.export.facts import Timeline, TimelineRow
from console.journal.export.failed_why import SAID, LastErrors, failed_why
from console.journal.times import duration
from console.model.events import Event, Kind
from console.model.outcome import named as some
from console.model.payloads import (
    CommandResult,
    IntegrityRecorded,
    NoteAdded,
    NotificationResult,
    RolloutHeld,
    StepCompleted,
    WaveFinished,
    WaveStarted,
)
from console.model.state import IncidentState
from console.model.status import outcome_unknown, step_said
from console.model.visible import clip, visible

# One event, one row: declarations, decisions, steps, halts, aborts, notes, hand-overs,
# a drill's faults and verdict.
KEY_KINDS = frozenset(
    {
        Kind.INCIDENT_OPENED,
        Kind.INCIDENT_RESUMED,
        Kind.INCIDENT_CLOSED,
        Kind.TRIGGER_FIRED,
        Kind.TRIGGER_DECLARED,
        Kind.COUNTDOWN_STARTED,
        Kind.COUNTDOWN_CANCELLED,
        Kind.COUNTDOWN_ELAPSED,
        Kind.SYSTEMS_SELECTED,
        Kind.STRATEGY_CHOSEN,
        Kind.STEP_STARTED,
        Kind.STEP_CONFIRMED,
        Kind.STEP_COMPLETED,
        Kind.STEP_SKIPPED,
        Kind.WAVE_PAUSED,  # the run waited between waves, as the strategy says
        Kind.WAVE_ASKED,  # the console waited for a person between waves
        Kind.WAVE_ANSWERED,
        Kind.RUN_HALTED,
        Kind.RUN_ABORTED,
        Kind.HOSTKEY_ACCEPTED,
        Kind.LOCK_TAKEN_OVER,
        Kind.LOCK_LOST,  # another incident may have changed the hosts meanwhile
        Kind.UNKNOWN_VERIFIED,  # how hosts a crash left unknown were settled
        Kind.DELIVERY_HALTED,
        Kind.ROLLOUT_STEP,
        Kind.ROLLOUT_PROBED,  # the health check between a re-enable's stages
        Kind.WAVE_PROBED,  # and between a strategy's waves
        Kind.ROLLOUT_HELD,
        Kind.RECOVERY_MEASURED,
        Kind.NOTE_ADDED,
        Kind.NOTIFICATION_SENT,
        # written by the console's incident lifecycle
        Kind.TRIGGER_MERGED,
        Kind.TRIGGER_DISMISSED,
        Kind.COMMANDER_HANDED_OVER,
        Kind.RUN_DETACHED,
        # a drill's stage, its undo and its verdict: where a fault was left, and what to
        # undo by hand, was in the appendix alone
        Kind.DRILL_STARTED,
        Kind.DRILL_FAULT,
        Kind.DRILL_FAULT_UNDONE,
        Kind.DRILL_JUDGED,
    }
)
COMMAND_KINDS = frozenset({Kind.COMMAND_INTENT, Kind.COMMAND_RESULT, Kind.HOST_NOT_STARTED})
# An integrity record joins its host's row: a mismatch fails a host whose commands all
# exited 0, and the row must not say it succeeded.
HOST_KINDS = COMMAND_KINDS | {Kind.INTEGRITY_RECORDED}
FAILURES_EACH = 5  # a wave's failed hosts each named with why, up to this many
WHYS = 3  # past FAILURES_EACH hosts, the whys said with their hosts, up to this many


@dataclass
class _Group:
    """The host events of one step run and wave."""

    step: str
    wave: int
    waves: int
    first: Event
    last: Event
    resumes: int = 0  # the console that ran it: how many resumes came before
    rest: bool = False  # the waves never started after a stop: their hosts not started
    hosts: dict[str, str] = field(default_factory=dict)  # host → latest outcome
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)  # host → (class, why)
    seqs: list[int] = field(default_factory=list)
    where: dict[int, str] = field(default_factory=dict)  # seq → host
    stages: set[str] = field(default_factory=set)  # of the commands sent

    def see(self, event: Event, said: str = "") -> None:
        """`said`: the host's last line on stderr, for a failure's why."""
        self.last = event
        self.seqs.append(event.seq)
        host = self.where[event.seq] = event.where.host or "?"
        if event.kind == Kind.COMMAND_INTENT:
            self.stages.add(str(getattr(event.data, "stage", "")))
            self.hosts[host] = "unknown"
        elif event.kind == Kind.HOST_NOT_STARTED:
            self.hosts[host] = "not started"
        elif isinstance(event.data, IntegrityRecorded):
            if event.data.verdict in ("mismatch", "missing"):
                self.hosts[host] = "failed"
                self.failures[host] = (f"integrity {event.data.verdict}",) * 2
        elif not isinstance(event.data, CommandResult):
            return
        elif event.data.aborted:
            self.hosts[host] = "aborted"
        elif event.data.refused is not None:  # nothing to do there: nothing changed
            self.hosts[host] = "refused"
        elif outcome_unknown(event.data.failure, event.data.stage, event.data.exit_status):
            self.hosts[host] = "unknown"  # lost mid-change, or still under way: V settles it
            self.failures.pop(host, None)
        elif event.data.failure:
            self.hosts[host] = "failed"
            self.failures[host] = (event.data.failure.value, failed_why(event.data, said))
        elif event.data.final:
            self.hosts[host] = "succeeded"

    def hold(self, held: RolloutHeld) -> None:
        """Its hosts a gradual re-enable left between stages: they passed the last stage
        they ran, and stay at its share, neither re-enabled fully nor rolled back."""
        for host in held.hosts:
            if host in self.hosts:
                self.hosts[host] = f"held at {held.percent} %"

    def text(self, named: bool = True) -> str:
        sent = [h for h, o in self.hosts.items() if o != "not started"]
        counts: dict[str, int] = {}
        for outcome in self.hosts.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        held = sorted(o for o in counts if o.startswith("held at "))
        order = ("succeeded", *held, "refused", "failed", "aborted", "unknown", "not started")
        parts = [f"{counts[o]} {o}" for o in order if counts.get(o)]
        failed = _failures_said(self.failures, list(self.hosts))
        if failed and counts.get("failed"):
            parts[parts.index(f"{counts['failed']} failed")] += f" ({failed})"
        # on the monotonic clock: a group is one console's (a resume starts new ones), and
        # a wall clock stepped back mid-wave read 'in -3599.9 s'
        seconds = self.last.mono - self.first.mono
        # under a second two decimals, as each command's own line has ("0.0 s" read as if
        # nothing ran)
        took = f" in {seconds:.{2 if seconds < 1 else 1}f} s"
        took = took if seconds < 60 else f" in {duration(seconds)}"
        took = took if sent else ""  # "0 hosts sent → 1 not started in 0.00 s" (seen)
        # Nothing heard back: a console killed mid-step read "1 unknown in 0.04 s", the time
        # to its last intent, as if the command had ended then.
        took = took if any(self.hosts[h] != "unknown" for h in sent) else ""
        wave = f"wave {self.wave} of {self.waves}" if self.waves > 1 else ""
        if self.rest and self.wave < self.waves:
            wave = f"waves {self.wave}–{self.waves} of {self.waves}"
        if wave:  # which wave each host was in (the canary's, the later ones')
            wave += f" ({some(list(self.hosts), 10)})"
        name = " ".join(p for p in (self.step if named else "", wave) if p)
        # Only the step's verify (V on hosts a console left unknown): the step was not sent
        # again (it read "4 hosts sent", under the name of whoever pressed V).
        what = f"its verify on {hosts(len(sent))}" if self.stages == {"verify"} else None
        what = what or f"{hosts(len(sent))} sent"
        return (f"{name}: " if name else "") + f"{what} → {', '.join(parts)}{took}"


def _failures_said(
    failures: dict[str, tuple[str, str]], order: list[str], each: int = FAILURES_EACH
) -> str:
    """Why each of a few failed hosts failed, alike ones together: `web-1, web-2: at
    action, exit status 3: no release to roll back to from 2.4.1; web-3: ...`; more than
    `each`, a few named: `at action, exit status 3: ...: web-30, web-31, web-32, web-33,
    web-34 +7 more` (a row of a wave of 200 named each host and its failure, seen), in the
    order sent; past WHYS whys, by their failure class alone, each host's why in Failures."""
    sent = {host: number for number, host in enumerate(order)}
    hosts = sorted(failures, key=lambda h: sent.get(h, len(sent)))
    kind = 1 if len(failures) <= each or len({w for _, w in failures.values()}) <= WHYS else 0
    alike: dict[str, list[str]] = {}
    for host in hosts:
        alike.setdefault(failures[host][kind], []).append(host)
    if len(failures) <= each:
        return "; ".join(f"{', '.join(names)}: {why}" for why, names in alike.items())
    said = "; ".join(f"{why}: {some(names, each)}" for why, names in alike.items())
    return said if kind else f"{said} (each host's why: Failures)"


def hosts(n: int) -> str:
    return f"{n} host" + ("s" if n != 1 else "")


def _groups(events: list[Event]) -> tuple[dict[int, _Group], dict[int, list[_Group]]]:
    """The host events by step run and wave, keyed by the seq where each group's row goes
    (its first event's: the row is stamped with its start);
    and the groups of each step run keyed by the seq of the step's completion."""
    runs: dict[str, int] = {}
    waves: dict[str, tuple[int, int]] = {}
    # Past a wave that was not the last: hosts not started from here on are the later
    # waves' (a stop, a halt), never the finished wave's.
    rest: dict[str, bool] = {}
    # A resume starts new groups: what a console ran before it died is not joined to what
    # the next one runs (its check of the hosts left unknown is a wave 1 of its own).
    resumes = 0
    # A step run's completion ends its groups: what V then sends to the hosts it left
    # unknown is a row of its own, never read into the completion's (as if the run had).
    ended: dict[tuple[str, int], int] = {}
    open_groups: dict[tuple[str, int, int, int, int], _Group] = {}
    by_run: dict[tuple[str, int], list[_Group]] = {}
    completed: dict[int, list[_Group]] = {}
    errors = LastErrors()  # a failed host's why
    for event in events:
        errors.see(event)
        step = event.where.step or ""
        if event.kind == Kind.INCIDENT_RESUMED:
            resumes += 1
        elif event.kind == Kind.STEP_STARTED:
            runs[step] = runs.get(step, 0) + 1
            waves.pop(step, None)
            rest.pop(step, None)
        elif isinstance(event.data, WaveStarted):
            waves[step] = (event.data.wave, event.data.waves)
            rest.pop(step, None)
        elif isinstance(event.data, WaveFinished):
            if event.data.wave < event.data.waves:
                waves[step] = (event.data.wave + 1, event.data.waves)
                rest[step] = True
        elif event.kind == Kind.STEP_COMPLETED:
            if rest.pop(step, False):  # what V sends later is no wave of the run
                waves.pop(step, None)
            # A completion recorded after a resume (a rollout held where the console that
            # died left it) is not the row of what that console ran: each keeps its time.
            run = (step, runs.get(step, 0))
            groups = list(by_run.get(run, []))  # as they stand: V's come after, apart
            completed[event.seq] = groups if all(g.resumes == resumes for g in groups) else []
            ended[run] = ended.get(run, 0) + 1
        elif isinstance(event.data, RolloutHeld):
            for held in by_run.get((step, runs.get(step, 0)), []):
                if held.resumes == resumes:  # else: its hosts passed their stage, then
                    held.hold(event.data)  # the console ended; the hold's row says so
        elif event.kind in HOST_KINDS and (event.where.host or event.kind in COMMAND_KINDS):
            wave, of = waves.get(step, (1, 1))
            run = (step, runs.get(step, 0))
            key = (*run, resumes, ended.get(run, 0), wave)
            group = open_groups.get(key)
            if group is None:
                group = _Group(step, wave, of, event, event, resumes, rest.get(step, False))
                open_groups[key] = group
                by_run.setdefault(key[:2], []).append(group)
            group.see(event, errors.of(event))
    anchors: dict[int, _Group] = {}
    merged = {id(g) for gs in completed.values() if len(gs) == 1 for g in gs}
    for group in open_groups.values():
        if id(group) not in merged:
            # At its start, as it is stamped: placed at its last event, a note added while
            # the wave ran came above it with a later time (tests/test_timeline_wave_order).
            anchors[group.first.seq] = group
    completed = {seq: gs for seq, gs in completed.items() if len(gs) == 1}
    return anchors, completed


def _row(event: Event, state: IncidentState, what: str, condensed: bool = False) -> TimelineRow:
    notes = "".join(f" ✎ {n}" for n in state.annotations.get(event.seq, []))
    return TimelineRow(
        seq=event.seq,
        at=event.ts,
        who=reading.login(event),
        what=what + notes,
        where=where(event),
        starred=event.seq in state.stars,
        condensed=condensed,
    )


def _annotation(event: Event) -> bool:
    return isinstance(event.data, NoteAdded) and event.data.about is not None


def _notified(events: list[Event]) -> dict[int, str]:
    """A notification's result in words, by the seq of the message it answers."""
    out = {}
    for event in events:
        if isinstance(event.data, NotificationResult):
            out[event.data.sent] = describe(event).split(": ", 1)[-1]
    return out


def key_rows(events: list[Event], state: IncidentState) -> list[TimelineRow]:
    """Key events one row each, host events condensed, annotations on what they annotate."""
    anchors, completed = _groups(events)
    notified = _notified(events)
    rows = []
    for event in events:
        if event.seq in anchors:
            rows.append(_condensed(anchors[event.seq], state))
        if event.kind not in KEY_KINDS or _annotation(event):
            continue
        what = describe(event)
        if event.seq in completed:
            group = completed[event.seq][0]
            done = event.payload(StepCompleted)
            title = done.title or event.where.step
            said = step_said(done.status, done.summary)
            what = f"finished step “{title}”: {said}{recovered(done)} — {group.text(False)}"
            row = _row(event, state, what, condensed=True)
            rows.append(_with_group_notes(row, group, state))
            continue
        if event.kind == Kind.NOTIFICATION_SENT and event.seq in notified:
            what += f" — {notified[event.seq]}"
        rows.append(_row(event, state, what))
    return rows


def _group_notes(group: _Group, state: IncidentState) -> tuple[str, bool]:
    """Annotations and stars on the host events a row stands for."""
    notes = "".join(
        f" ✎ {group.where[s]}: {n}" for s in group.seqs for n in state.annotations.get(s, [])
    )
    return notes, any(s in state.stars for s in group.seqs)


def _condensed(group: _Group, state: IncidentState) -> TimelineRow:
    row = _row(group.first, state, group.text(), condensed=True)
    return _with_group_notes(row, group, state).model_copy(
        update={"where": group.step, "at": group.first.ts}
    )


def _with_group_notes(row: TimelineRow, group: _Group, state: IncidentState) -> TimelineRow:
    notes, starred = _group_notes(group, state)
    return row.model_copy(update={"what": row.what + notes, "starred": row.starred or starred})


def starred_rows(events: list[Event], state: IncidentState) -> list[TimelineRow]:
    return [_row(e, state, describe(e)) for e in events if e.seq in state.stars]


def build_timeline(
    events: list[Event], state: IncidentState, starred_only: bool, total: int | None = None
) -> Timeline:
    count = len(events) if total is None else total
    if starred_only:
        return Timeline(view="starred only", rows=starred_rows(events, state), events=count)
    return Timeline(view="key events", rows=key_rows(events, state), events=count)


def every_event(events: list[Event], state: IncidentState) -> list[TimelineRow]:
    """The appendix: every event of the timeline kinds, per host, as recorded; a command
    that failed with the host's last line on stderr (its output is no row of its own)."""
    rows, errors = [], LastErrors()
    for e in events:
        errors.see(e)
        if e.kind not in TIMELINE_KINDS or _annotation(e):
            continue
        what = describe(e)
        if isinstance(e.data, CommandResult) and e.data.failure and (said := errors.of(e)):
            what += f": {clip(visible(said.strip(), one_line=True), SAID)}"
        rows.append(_row(e, state, what))
    return rows
