"""Fold handlers for the steps as they run: started, confirmed, completed and skipped; each
command's intent, output and result on its host; hosts not started, waves, halts, aborts."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from console.model import payloads
from console.model.events import Event, Kind
from console.model.payloads import (
    CommandIntent,
    CommandOutput,
    CommandResult,
    StepCompleted,
    StepStarted,
    WaveFinished,
    WaveStarted,
)
from console.model.status import (
    HostStatus,
    StepStatus,
    detached_reason,
    looks_only,
    lost_mid_change,
    still_under_way,
    unverified,
)
from console.model.stderr_lines import telling
from console.model.step_state import HostRun, Pause, StepState

if TYPE_CHECKING:
    from console.model.state import IncidentState


_RECORD = re.compile(r"^\s*integrity\s+stage=")  # engine/integrity.py parses them


def _host_run(state: IncidentState, event: Event) -> HostRun:
    st = state.step(event.where.step or "adhoc")
    host = event.where.host or "?"
    if host not in st.hosts:
        st.hosts[host] = HostRun(host=host, system=event.where.system)
    st.hosts[host].seq = event.seq
    return st.hosts[host]


def _step_started(s: IncidentState, e: Event) -> None:
    st = s.step(e.where.step or "")
    data = e.payload(StepStarted)
    hosts = data.hosts
    if data.undo_of and data.undo_of in s.steps:  # undone: a retry starts its rollout again
        s.steps[data.undo_of].held = None
    st.targets.extend(h for h in hosts if h not in st.targets)
    for host in hosts:  # about to be tried: waiting for its wave, as in a first run
        if host in st.hosts and st.hosts[host].status is HostStatus.NOT_STARTED:
            del st.hosts[host]
    st.status = StepStatus.RUNNING
    st.paused = None
    undo = s.steps.get(f"{st.id}.undo")
    last = max(st.finished_seq, st.restarted_seq)  # the run before this one, if any
    if undo and undo.finished and last >= 0 and undo.finished_seq > last:
        st.undo_since = "undone" if undo.status is StepStatus.DONE else f"undo {undo.status.value}"
    st.started = st.started or e.ts
    st.restarted, st.restarted_seq = e.ts, e.seq
    if st.id in s.strategy_steps:
        st.ran_strategy = s.named_strategies.get(st.id) or s.strategy
    st.to = data.to or ""
    st.finished, st.finished_seq = None, -1
    st.summary = ""  # an earlier run's: this one says its own once it ends
    st.cut_short = False


def _step_confirmed(s: IncidentState, e: Event) -> None:
    st = s.step(e.where.step or "")
    st.status = StepStatus.DONE
    st.started = st.started or e.ts
    st.finished, st.finished_seq = e.ts, e.seq
    st.summary = "confirmed by " + (
        e.payload(payloads.StepConfirmed).by or e.who.commander or e.who.user
    )


def _step_completed(s: IncidentState, e: Event) -> None:
    d = e.payload(StepCompleted)
    st = s.step(e.where.step or "")
    st.status = d.status
    st.paused = None
    st.finished, st.finished_seq = e.ts, e.seq
    st.summary = d.summary
    st.warnings = d.warnings or 0
    soak = s.soak.get(st.id)
    if d.status is StepStatus.STOPPED and soak and soak.get("status") == "waiting":
        soak["status"] = "stopped"  # a stability check cut short (a headless hang-up)


def _step_skipped(s: IncidentState, e: Event) -> None:
    st = s.step(e.where.step or "")
    st.status = StepStatus.SKIPPED
    st.finished, st.finished_seq = e.ts, e.seq
    st.skip_reason = e.payload(payloads.StepSkipped).reason


def _again(s: IncidentState, e: Event) -> StepState:
    """The step of a host's intent or not-start; where its undo put the host back after
    the step last ran there (read before this event counts as the step's last), only what
    is sent from now on may change it. A host down for the run again, or not started in
    it, read "may have changed" or "changed", and its undo was planned there again."""
    st = s.step(e.where.step or "adhoc")
    if s.put_back(st.id, host := e.where.host or "?"):
        st.changed.discard(host)
        st.reached.discard(host)
    return st


def _intent(s: IncidentState, e: Event) -> None:
    d = e.payload(CommandIntent)
    st = _again(s, e)
    run = _host_run(s, e)
    if run.host in st.changed:  # sent before, or its end never came: it may have got there
        st.reached.add(run.host)
    if d.stage != "precheck":
        st.changed.add(run.host)
    if d.stage != "precheck" and not looks_only(d.stage):
        run.change_ended = False  # sent: seen to end once its result comes
    run.status = HostStatus.RUNNING
    run.stage = d.stage
    run.command = d.command
    if d.attempt != run.attempt or run.started is None:
        run.started = e.ts
    run.attempt = d.attempt
    run.token = d.token
    run.on_jump_host = d.on == "jump-host"
    run.exit_status = run.signal = run.failure = run.detail = run.fingerprint = None
    run.finished = run.finished_mono = None
    run.last_error = ""


def _output(s: IncidentState, e: Event) -> None:
    d = e.payload(CommandOutput)
    run = _host_run(s, e)
    run.lines += len(d.lines)
    if d.lines:
        # a data preset's `integrity stage=...` is a record for the journal, not a line
        # that says what the host did: the one before it says it (`restored to ...`); where
        # none did, the newest record (the verify's `after`, not the precheck's `before`)
        said = [line for line in d.lines if not _RECORD.match(line)]
        if said:
            run.last_line = said[-1]
        elif not run.last_line or _RECORD.match(run.last_line):
            run.last_line = d.lines[-1]
        if d.stream == "stderr":  # a line that says something, over psql's `^` under it
            run.last_error = telling(d.lines) or run.last_error or d.lines[-1]


def _result(s: IncidentState, e: Event) -> None:
    d = e.payload(CommandResult)
    run = _host_run(s, e)
    run.exit_status = d.exit_status
    run.signal = d.signal
    run.failure = d.failure
    run.detail = d.detail
    run.fingerprint = d.fingerprint
    run.finished, run.finished_mono, run.finished_seq = e.ts, e.mono, e.seq
    if d.stage != "precheck" and not looks_only(d.stage):
        run.change_ended = not d.aborted and not lost_mid_change(d.failure, d.stage)
    if d.aborted:
        run.status = HostStatus.ABORTED
    elif d.refused is not None:  # nothing to do there: not a failure, nothing changed
        run.status = HostStatus.REFUSED
        run.failure, run.detail = None, d.refused
    elif lost_mid_change(d.failure, d.stage) or unverified(d.failure, d.stage):
        run.status = HostStatus.UNKNOWN
    elif d.failure and still_under_way(d.stage, d.exit_status):
        run.status = HostStatus.UNKNOWN
        said = f": {run.last_error}" if run.last_error else ""
        run.detail = f"still under way on the host{said}; verify it again once it has finished"
    elif d.failure:
        run.status = HostStatus.FAILED
    elif d.final:
        run.status = HostStatus.SUCCEEDED
    _unchanged_if_unsent(s, e, run)
    if run.rolled_back() and run.host not in s.step(e.where.step or "adhoc").reached:
        s.step(e.where.step or "adhoc").changed.discard(run.host)  # its transaction undone


def _not_started(s: IncidentState, e: Event) -> None:
    _again(s, e)
    run = _host_run(s, e)
    sent = run.status is HostStatus.RUNNING  # its intent on disk: detached before sending
    run.status = HostStatus.NOT_STARTED
    run.detail = e.payload(payloads.HostNotStarted).reason
    if sent:
        _unchanged_if_unsent(s, e, run)


def _unchanged_if_unsent(s: IncidentState, e: Event, run: HostRun) -> None:
    """A command that changes the host whose end shows it was never sent (the host not
    reached, or the abort came while it was being reached): the step did not change the
    host, unless an earlier command of it may have. A host down read "may have changed
    app-2 (its action failed there)", and its undo was offered."""
    st = s.step(e.where.step or "adhoc")
    if run.nothing_sent() and run.host not in st.reached:
        st.changed.discard(run.host)


def _halted(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.RunHalted)
    s.halts.append({"step": e.where.step, **d.dump()})
    if e.where.step:
        s.step(e.where.step).halted = d.reason
        s.step(e.where.step).halted_by_probes = d.probes


def _wave_started(s: IncidentState, e: Event) -> None:
    d = e.payload(WaveStarted)
    st = s.step(e.where.step or "")
    if st.verifying:  # V: the action's waves stay in view; the hosts' results settle them
        return
    st.paused = None
    if d.wave == 1:
        if st.waves:  # a run before this one: kept, so its waves stay in view
            st.earlier_waves.append(_as_left(st))
            st.earlier_undone.append(st.undo_since)
        st.undo_since = ""
        st.waves.clear()
        st.halted = None
        st.halted_by_probes = False
    st.waves.setdefault(d.wave, {}).update(d.dump(), finished=False, seq=e.seq)


def _as_left(st: StepState) -> dict[int, dict[str, Any]]:
    """The run a retry follows, its waves as they were left: a wave a crash cut short
    counts the hosts that ended in it before the crash (those with an outcome recorded since
    it started); `cut`: the others. Seen: a run killed mid-wave, retried on its two unknown
    hosts, read 'Earlier run 1: ... 1 ok, 0 failed, 5 cut short', three of the five having
    succeeded in it (the grid said so, with try 1)."""
    waves = {}
    for number, wave in st.waves.items():
        if not wave.get("finished"):
            since = wave.get("seq", -1)
            runs = [st.hosts.get(h) for h in wave.get("hosts", [])]
            ended = Counter(
                r.status.name.lower() for r in runs if r and r.seq > since and r.status in _ENDED
            )
            wave = {**wave, **ended, "cut": len(runs) - sum(ended.values())}
        waves[number] = wave
    return waves


def _wave_finished(s: IncidentState, e: Event) -> None:
    d = e.payload(WaveFinished)
    st = s.step(e.where.step or "")
    if st.verifying:  # V: a wave a crash cut short ends once none of its hosts is unknown;
        # one that ended with hosts unknown counts them as V found them (walked: V found
        # web-1 failed, and the retry's 'Earlier run 1' still read '0 ok, 0 failed, 1 unknown')
        unsettled = (HostStatus.UNKNOWN, HostStatus.RUNNING)
        for wave in st.waves.values():
            hosts = [st.hosts[h] for h in wave.get("hosts", []) if h in st.hosts]
            if any(r.status in unsettled for r in hosts):
                continue
            if not wave.get("finished") or wave.get("unknown"):
                counts = Counter(r.status.name.lower() for r in hosts)
                wave.update({k: counts[k] for k in _WAVE_COUNTS}, finished=True)
        return
    st.waves.setdefault(d.wave, {}).update(d.dump(), finished=True)


# A finished wave's counts, as WaveFinished records them (its hosts' statuses' names).
_WAVE_COUNTS = ("succeeded", "failed", "refused", "unknown", "aborted")
# A host's outcome in a wave a crash cut short: it ended there (unknown did not).
_ENDED = (HostStatus.SUCCEEDED, HostStatus.FAILED, HostStatus.REFUSED, HostStatus.ABORTED)


def _wave_paused(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.WavePaused)
    until = e.ts + timedelta(seconds=d.seconds)
    shares = (d.percent, d.next_percent)
    s.step(e.where.step or "").paused = Pause(d.what, d.done + 1, d.of, until, *shares)


def _probed(s: IncidentState, e: Event) -> None:
    """A stage's probes read healthy: between that stage and the next, with their shares
    (also with no pause before them), until the next starts or a person is asked."""
    d = e.payload(payloads.RolloutProbed)
    st = s.step(e.where.step or "")
    if d.ok:
        until = st.paused.until if st.paused else e.ts
        st.paused = Pause("stage", d.index + 1, d.of, until, d.percent, d.next_percent)


def _asked(s: IncidentState, e: Event) -> None:
    """A person is asked whether the next wave or stage starts: nothing starts until they
    answer (a follower read `○ 2–3 of 3 waiting`, as if it ran by itself). After a pause,
    a stage's line keeps its shares."""
    st = s.step(e.where.step or "")
    d = e.payload(payloads.WaveAsked)
    if st.paused is not None and st.paused.what == "stage" == d.what:
        st.paused = st.paused._replace(asked=True)
    else:
        st.paused = Pause(d.what, d.done + 1, d.of, e.ts, asked=True)


def _detached(s: IncidentState, e: Event) -> None:
    d = e.payload(payloads.RunDetached)
    for step_id in d.running:
        st = s.step(step_id)
        st.cut_short = True
        if step_id in s.probe_steps and st.status is StepStatus.RUNNING:
            s.stop_checking(st, detached_reason(d.reason))
        for host in d.hosts:
            run = st.hosts.get(host)
            if run is not None and run.status is HostStatus.RUNNING:
                said = s.before_retrying(step_id)
                run.detail = f"left running: {detached_reason(d.reason)}; {said}"


def _aborted(s: IncidentState, e: Event) -> None:
    s.aborts.append(
        {"step": e.where.step, "by": e.who.user, **e.payload(payloads.RunAborted).dump()}
    )


# Keyed by kind as a str: an event's kind is a str, equal to its Kind member.
RUN_HANDLERS: dict[str, Callable[[IncidentState, Event], None]] = {
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
    Kind.WAVE_PAUSED: _wave_paused,
    Kind.WAVE_ASKED: _asked,
    Kind.ROLLOUT_PROBED: _probed,
    Kind.RUN_ABORTED: _aborted,
    Kind.RUN_DETACHED: _detached,
}
