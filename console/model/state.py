"""Incident state, and the fold that is its only way to change: the handlers of each
family of kinds are in incidentfold, runfold, stepfold, watchfold and drillfold."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.model import payloads
from console.model.drillfold import DRILL_HANDLERS
from console.model.events import Event
from console.model.incidentfold import INCIDENT_HANDLERS
from console.model.incidentfold import Trigger as Trigger
from console.model.payloads import Amendable
from console.model.records import Compared, defaults_of, set_defaults
from console.model.recovery import Recovery
from console.model.runfold import RUN_HANDLERS

# Re-exported: the statuses and the step records are part of the state's vocabulary.
from console.model.status import FailureClass as FailureClass
from console.model.status import HostStatus as HostStatus
from console.model.status import StepStatus as StepStatus
from console.model.status import before_retrying
from console.model.step_state import READ_AGAIN, is_adhoc, is_drill_stage, undoes
from console.model.step_state import HostRun as HostRun
from console.model.step_state import StepState as StepState
from console.model.stepfold import STEP_HANDLERS
from console.model.watchfold import WATCH_HANDLERS


@dataclass(init=False, repr=False, eq=False)
class IncidentState(Compared):
    """Everything known about one incident, derived from its events only. Made empty
    (`IncidentState()`), then folded; its `__init__` is records.py's (issue 18)."""

    incident_id: str | None = None
    title: str = ""
    drill: bool = False
    opened_at: datetime | None = None
    opened_by: str | None = None
    closed_at: datetime | None = None
    # The opening's and the close's monotonic times, and whether a console resumed it
    # before that close (its clock is its own): how long it was open (`time_open`).
    opened_mono: float | None = None
    closed_mono: float | None = None
    resumed: bool = False
    resumed_before_close: bool = False
    outcome: str | None = None  # an Outcome value (older journals: free words)
    outcome_label: str = ""  # the outcome in words, with its reason, hosts or successor
    closed_by: str | None = None
    # hosts whose outcome was unknown (or left running) when it closed: their locks kept
    unknown_at_close: list[str] = field(default_factory=list)
    # a partial close: the hosts it names not rolled back (its label names every one)
    left_at_close: list[str] = field(default_factory=list)
    verifies: str = ""  # `verify`: the closed incident whose unknown hosts this verifies
    # what `verify` found after the close, per host (and which incident ran it)
    verified_by_hand: dict[str, str] = field(default_factory=dict)
    verified_by: str = ""
    amendments: list[dict[str, Any]] = field(
        default_factory=list
    )  # changes recorded after the close
    trigger: Trigger | None = None
    commander: str | None = None  # who is in charge now: named at the declaration
    commanders: list[dict[str, Any]] = field(default_factory=list)  # each commander, since when
    systems: list[str] = field(default_factory=list)
    hosts: dict[str, str] = field(default_factory=dict)
    strategy: str | None = None
    strategy_steps: set[str] = field(default_factory=set)  # the procedure's strategy steps
    planned_steps: set[str] = field(default_factory=set)  # every step of its procedure
    probe_steps: set[str] = field(default_factory=set)  # its stability checks
    named_strategies: dict[str, str] = field(default_factory=dict)  # step → its own strategy
    params: dict[str, str] = field(default_factory=dict)
    # what the symbolic parameter (`target = previous`) stood for on each host when it was
    # confirmed (`strategy.resolved`, the latest per host): (`target=previous`, the value,
    # what the host was on)
    resolved: dict[str, tuple[str, str, str]] = field(default_factory=dict)
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
    # the monotonic time of that instant and the seq of the event it was read from: a
    # recovery measured by the process that wrote it is timed on the monotonic clock
    first_trigger_mono: float | None = None
    first_trigger_seq: int = -1
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
    drill_faults_from: int = 0  # where the latest drill's own begin in `faults`
    drill_verdict: dict[str, Any] | None = None
    last_seq: int = -1
    last_ts: datetime | None = None

    def __init__(self) -> None:
        set_defaults(self, _DEFAULTS)

    def step(self, step_id: str) -> StepState:
        st = self.steps.get(step_id)  # made only when missing: the fold asks per event
        if st is None:
            st = self.steps[step_id] = StepState(step_id)
        return st

    def stop_checking(self, st: StepState, why: str) -> None:
        """`st`, a stability check left running by a console that ended, stopped (its
        progress so far, when its latest round is of this run)."""
        soak = self.soak.get(st.id)
        st.stop_checking(why, soak if soak and soak.get("status") == "waiting" else None)

    def undone(self, step_id: str) -> StepState | None:
        """The step's undo, once it has ended (done or not) after the step itself last
        did; None if it never ran, or the step ran again since (also while that run runs,
        or was cut short: its hosts are no longer as the undo left them)."""
        undo = self.steps.get(f"{step_id}.undo")
        if undo is None or undo.finished is None:
            return None
        ran = self.steps.get(step_id)
        if ran is not None and max(ran.finished_seq, ran.restarted_seq) > undo.finished_seq:
            return None
        return undo

    def undone_hosts(self, step_id: str) -> list[str]:
        """The hosts where the step's undo succeeded after the step last ran there: put
        back already, nothing of the step's left there to undo (a host the step ran on
        again since is not among them)."""
        undo = self.steps.get(f"{step_id}.undo")
        return [h for h in (undo.hosts if undo else ()) if self.put_back(step_id, h)]

    def put_back(self, step_id: str, host: str) -> bool:
        """Whether the step's undo succeeded on `host` after the step last ran there."""
        st, undo = self.steps.get(step_id), self.steps.get(f"{step_id}.undo")
        ran = st.hosts.get(host) if st else None
        back = undo.hosts.get(host) if undo else None
        return (
            ran is not None
            and back is not None
            and back.status is HostStatus.SUCCEEDED
            and back.seq > ran.seq
        )

    def undo_first(self, step_id: str) -> list[str]:
        """The hosts of the step whose last attempt failed saying a retry cannot go on there
        until the undo puts back what it left (UNDO_FIRST: a restore that did not finish),
        and whose undo has not succeeded since: a retry there is refused, the undo is the
        way on."""
        undo = self.undone(step_id)
        back = (
            {h for h, r in undo.hosts.items() if r.status is HostStatus.SUCCEEDED}
            if undo
            else set()
        )
        return [h for h, r in self.step(step_id).hosts.items() if r.undo_first() and h not in back]

    def current_step(self, order: Iterable[str]) -> str | None:
        """The first step of `order` that is neither done nor skipped, or whose undo ran
        since it did (its hosts are back as before it: run it again, or another strategy),
        or a stability check a strategy step ahead of it ran after (run it again)."""
        order = list(order)
        return next(
            (
                s
                for s in order
                if not self.step(s).status.finished
                or self.undone(s)
                or self.ran_after_check(order, s)
            ),
            None,
        )

    def ran_after_check(self, order: list[str], step_id: str) -> tuple[datetime, str] | None:
        """(when, step): the last strategy step ahead of the stability check `step_id` in
        `order` that ran, or was undone, after the check passed (in the journal's order:
        `when` is its wall time, for the words): the check read the hosts as they were
        before it."""
        checked = self.step(step_id)
        if step_id not in self.probe_steps or checked.status is not StepStatus.DONE:
            return None
        if checked.finished is None or step_id not in order:
            return None
        since = [
            (seq, at, sid)
            for sid in order[: order.index(step_id)]
            if sid in self.strategy_steps
            for ran in (self.steps.get(sid), self.steps.get(f"{sid}.undo"))
            if ran is not None
            for seq, at in ((ran.restarted_seq, ran.restarted), (ran.finished_seq, ran.finished))
            if at is not None and seq > checked.finished_seq
        ]
        return max(since)[1:] if since else None

    def undone_before(self, order: Iterable[str], step_id: str) -> tuple[str, StepState] | None:
        """The last step before `step_id` in `order` whose undo ran since it did, with
        that undo: what `step_id` works on is the state before it."""
        before = list(order)
        before = before[: before.index(step_id)] if step_id in before else []
        found = [(s, undo) for s in before if (undo := self.undone(s)) is not None]
        return found[-1] if found else None

    def host_runs(self, host: str) -> list[tuple[str, HostRun]]:
        """(step, run) of each step the host ran in, the latest last (an undo run after a
        later step is the latest, though its step first ran before that one)."""
        runs = [(sid, st.hosts[host]) for sid, st in self.steps.items() if host in st.hosts]
        return sorted(runs, key=lambda run: run[1].seq)

    def result_runs(self, host: str) -> list[tuple[str, HostRun]]:
        """The host's runs that say how its rollback stands, the latest last: its
        procedure's. Ad-hoc commands (a look around, typed by hand) count only when the
        host ran nothing else (an `exec` incident), a drill's stage (its baseline, faults,
        check after and undo) only when it ran nothing else at all (a fault that failed
        there stopped the drill)."""
        runs = self.host_runs(host)
        staged = [run for run in runs if not is_drill_stage(run[0])]
        return [run for run in staged if not is_adhoc(run[0])] or staged or runs

    def standing_run(self, host: str) -> tuple[str, HostRun] | None:
        """(step, run) that says where the host stands: its latest (`result_runs`), but
        not the stability check's read of its state again (READ_AGAIN) when it succeeded,
        which changes nothing there: a host rolled back read 'verify' as its last step (a
        status update's hosts[*].step, the document's Last step). A read that failed is
        the host's news, said as it is."""
        runs = self.result_runs(host)
        while len(runs) > 1 and runs[-1][1].stage == READ_AGAIN:
            if runs[-1][1].status is not HostStatus.SUCCEEDED:
                break
            runs = runs[:-1]
        return runs[-1] if runs else None

    def latest_run(self, host: str) -> HostRun | None:
        runs = self.result_runs(host)
        return runs[-1][1] if runs else None

    def needed_nothing(self, host: str) -> tuple[str, str] | None:
        """(the step, why) when the host needed nothing: a precheck refused it in a step
        done on the others (`StepState.needed_nothing`), and nothing it ran since did more
        than read its state again (the stability check's READ_AGAIN); else None."""
        runs = self.result_runs(host)
        for at in range(len(runs) - 1, -1, -1):
            step, run = runs[at]
            if run.status is HostStatus.REFUSED:
                why = self.step(step).needed_nothing().get(host)
                return (step, why) if why is not None else None
            if run.stage != READ_AGAIN or run.status is not HostStatus.SUCCEEDED:
                return None
        return None

    def hosts_with(self, status: HostStatus) -> list[tuple[str, str]]:
        """(step, host) of every host run in `status`."""
        return [
            (sid, h)
            for sid, st in self.steps.items()
            for h, run in st.hosts.items()
            if run.status is status
        ]

    def left_by_commands(self, hosts: Iterable[str]) -> bool:
        """Whether only steps with no verify to run left `hosts` unknown: ad-hoc commands
        (exec, the console's own), the procedure's command steps, undos. A check by hand is
        then an `exec`, not `verify` (which refuses them: seen after a command step cut
        short, the banner, the close and the document all named `verify ID`)."""
        steps = {
            step
            for status in (HostStatus.UNKNOWN, HostStatus.RUNNING)
            for step, host in self.hosts_with(status)
            if host in hosts
        }
        return bool(steps) and all(self.no_verify_to_run(step) for step in steps)

    def before_retrying(self, step: str) -> str:
        """`verify before retrying`, or for a step with no verify to run, `check by hand
        before retrying` (`status.before_retrying`)."""
        return before_retrying(self.no_verify_to_run(step))

    def no_verify_to_run(self, step: str) -> bool:
        """Whether `step` has no verify for V to run (an ad-hoc command, an undo, the
        procedure's command steps): V then only says whether the attempt still runs."""
        if is_adhoc(step) or undoes(step):
            return True
        # A strategy step's strategy has a verify (else `verify` says so); a journal whose
        # opening planned no steps (older) says nothing of the others.
        return step in self.planned_steps and step not in self.strategy_steps

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def time_open(self) -> float | None:
        """Seconds from its opening to its close (None while open), timed as the document's
        intervals are: on the monotonic clock when one console opened and closed it, else
        on the wall clock. The header read 1:00:01 of a drill of seconds, NTP stepping the
        wall clock forward an hour as its rollback started, the document 1 s."""
        if self.opened_at is None or self.closed_at is None:
            return None
        if self.resumed_before_close or self.opened_mono is None or self.closed_mono is None:
            return round(max(0.0, (self.closed_at - self.opened_at).total_seconds()), 3)
        return round(max(0.0, self.closed_mono - self.opened_mono), 3)

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
                    "field": data.field if isinstance(data, payloads.FieldSet) else None,
                    "step": event.where.step,
                    "by": event.who.user,
                    "at": event.ts,
                }
            )
        self.last_seq = event.seq
        self.last_ts = event.ts
        return self

    def settle(self) -> IncidentState:
        """For a reader that is not the writer: an intent with no outcome is unknown, and
        a host of a step left running that was never sent anything did not start (the
        record ends before its wave: a retry goes on with it)."""
        for st in self.steps.values():
            for run in st.hosts.values():
                if run.status is HostStatus.RUNNING:
                    run.status = HostStatus.UNKNOWN
                    if run.detail is None:  # else it says why (left running by a detach)
                        said = self.before_retrying(st.id)
                        run.detail = f"{said}: the outcome was never recorded"
            if st.status is StepStatus.RUNNING:
                for host in st.targets:
                    if host not in st.hosts:
                        st.hosts[host] = HostRun(
                            host,
                            self.hosts.get(host),
                            HostStatus.NOT_STARTED,
                            detail="nothing was sent to it: its wave had not begun",
                            seq=self.last_seq,
                        )
        return self


_DEFAULTS = defaults_of(IncidentState)


def fold(events: Iterable[Event]) -> IncidentState:
    """state = reduce(apply, events, empty)."""
    state = IncidentState()
    for event in events:
        state.apply(event)
    return state


# Keyed by kind: an event's kind is a str, equal to its Kind member.
_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
    **INCIDENT_HANDLERS,
    **RUN_HANDLERS,
    **WATCH_HANDLERS,
    **STEP_HANDLERS,
    **DRILL_HANDLERS,
}
