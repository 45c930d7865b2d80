"""The document's Failures: each host that failed in a step (even if a retry then
succeeded) or was left unknown or aborted, with what it printed and what was done about
it."""

from __future__ import annotations

from collections import deque

from console.journal.export import reading
from console.journal.export.facts import FailureFacts
from console.journal.export.resolution import step_titles
from console.journal.tails import STDERR_LINES, STDOUT_LINES
from console.model.events import Event, Kind
from console.model.payloads import CommandResult
from console.model.state import HostStatus, IncidentState, StepStatus
from console.model.status import NEVER_RAN, FailureClass, outcome_unknown


class Attempts:
    """Per (step, host): each attempt's last stderr lines, its last stage's last stdout
    lines, and its failure, as recorded."""

    def __init__(self) -> None:
        self.current: dict[tuple[str, str], int] = {}
        self.stderr: dict[tuple[str, str, int], deque[str]] = {}
        self.stdout: dict[tuple[str, str, int], deque[str]] = {}
        self.failed: dict[tuple[str, str], dict[int, Event]] = {}  # each failed attempt's
        self.ended: dict[tuple[str, str, int], str] = {}  # how each attempt ended last
        self.undone_after: dict[tuple[str, str], int] = {}  # the attempt its last undo followed

    def see(self, event: Event) -> None:
        step, host = event.where.step, event.where.host
        if not step or not host:
            return
        key = (step, host)
        if event.kind == Kind.COMMAND_INTENT:
            if (
                step.endswith(".undo")
                and (ran := (step.removesuffix(".undo"), host)) in self.current
            ):
                self.undone_after[ran] = self.current[ran]
            self.current[key] = reading.attempt(event)
            self.stdout.pop((*key, self.current[key]), None)  # a stage's own output only
        elif event.kind == Kind.COMMAND_OUTPUT:
            attempt = (*key, self.current.get(key, 1))
            if lines := reading.stderr(event):
                self.stderr.setdefault(attempt, deque(maxlen=STDERR_LINES)).extend(lines)
            elif lines := reading.stdout(event):
                self.stdout.setdefault(attempt, deque(maxlen=STDOUT_LINES)).extend(lines)
        elif isinstance(event.data, CommandResult):
            tried = self.current.get(key, 1)
            if _failed(event.data):
                self.failed.setdefault(key, {})[tried] = event
                self.ended[(*key, tried)] = past_status(event.data)
            elif event.data.final or event.data.refused is not None:
                self.ended[(*key, tried)] = _ended(event.data)

    def succeeded_after(self, step: str, host: str, attempt: int) -> int | None:
        """The first attempt after `attempt` that succeeded there, if any."""
        done = HostStatus.SUCCEEDED.value
        return min(
            (
                a
                for (s, h, a), how in self.ended.items()
                if (s, h, how) == (step, host, done) and a > attempt
            ),
            default=None,
        )


def attempts_of(events: list[Event]) -> Attempts:
    """Each (step, host)'s attempts, as the events tell them."""
    attempts = Attempts()
    for event in events:
        attempts.see(event)
    return attempts


def _ended(result: CommandResult) -> str:
    """How an attempt that did not fail ended: refused at its precheck, unknown, done."""
    if result.refused is not None:
        return HostStatus.REFUSED.value
    if outcome_unknown(result.failure, result.stage, result.exit_status):
        return HostStatus.UNKNOWN.value
    return HostStatus.SUCCEEDED.value


def _failed(result: CommandResult) -> bool:
    """A failure or an abort; a precheck's refusal is none (nothing was changed there), nor
    a command whose outcome it left unknown (lost mid-change, still under way): V settles
    that, and a host it found changed never failed."""
    if outcome_unknown(result.failure, result.stage, result.exit_status):
        return False
    return bool(result.failure or result.aborted) and result.refused is None


def build_failures(events: list[Event], state: IncidentState) -> list[FailureFacts]:
    """Each host that failed in a step (even if a retry then succeeded) or was left
    unknown or aborted, with each failure and what was done about it: an attempt retried
    since, then its last. Seen: a host whose restart failed ("port 8080 in use"), whose
    retry was cut short by a console killed and found failed by V, read only the second
    ("restart not finished ... cut off, or it failed"): the cause was in no section."""
    attempts = attempts_of(events)
    titles = step_titles(events)
    closes = [e for e in events if e.kind == Kind.INCIDENT_CLOSED]
    closed_as = reading.outcome(closes[-1]) if closes and state.closed_at else None
    out = []
    for step, st in state.steps.items():
        for host, run in st.hosts.items():
            failed = attempts.failed.get((step, host), {})
            bad = run.status in (HostStatus.FAILED, HostStatus.UNKNOWN, HostStatus.ABORTED)
            if not failed and not bad:
                continue
            attempt = run.attempt if bad else max(failed)
            title = titles.get(step, step)
            out += [
                _retried(attempts, title, run.system, a, failed)
                for a in sorted(failed)
                if a < attempt
            ]
            result = (
                failed[attempt].payload(CommandResult)
                if attempt in failed
                else CommandResult(stage="")
            )
            out.append(
                FailureFacts(
                    step=step,
                    step_title=title,
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
                    done=_done(state, attempts, step, host, attempt, closed_as)
                    + _untouched(
                        run.failure if run.failure and bad else result.failure,
                        (run.stage if bad else result.stage) or None,
                        attempt if run.attempt > attempt else None,
                    )
                    + _maybe_changed(state, step, host, attempt),
                )
            )
    return out


def _retried(
    attempts: Attempts, title: str, system: str | None, attempt: int, failed: dict[int, Event]
) -> FailureFacts:
    """A failed attempt of a host retried since: what it said, and how the next ended."""
    event = failed[attempt]
    result = event.payload(CommandResult)
    step, host = event.where.step or "", event.where.host or ""
    later = sorted(a for (s, h, a) in attempts.ended if (s, h) == (step, host) and a > attempt)
    then = (
        f"retried: attempt {later[0]} {attempts.ended[(step, host, later[0])]}"
        if later
        else "retried"
    )
    return FailureFacts(
        step=step,
        step_title=title,
        host=host,
        system=system,
        status=past_status(result),
        failure=result.failure,
        detail=result.detail,
        exit_status=result.exit_status,
        attempt=attempt,
        stage=result.stage or None,
        stderr=list(attempts.stderr.get((step, host, attempt), [])),
        stdout=list(attempts.stdout.get((step, host, attempt), [])),
        done=then + _untouched(result.failure, result.stage or None, attempt),
    )


def past_status(result: CommandResult) -> str:
    """How an earlier attempt (retried since) ended: aborted by a person, or failed."""
    return HostStatus.ABORTED.value if result.aborted else HostStatus.FAILED.value


def _done(
    state: IncidentState,
    attempts: Attempts,
    step: str,
    host: str,
    failed_attempt: int,
    closed_as: str | None,
) -> str:
    """What became of a failed host, in the order it came: retried, undone (then run
    again), skipped, accepted at the close. Seen: "retried: attempt 4 succeeded; undone:
    succeeded" of a host undone after attempt 3 and rolled back again by attempt 4."""
    st = state.step(step)
    run = st.hosts[host]
    said = []
    undo = state.steps.get(f"{step}.undo")
    back = undo.hosts.get(host) if undo else None
    after = attempts.undone_after.get((step, host), 0)
    if back is not None and back.seq < run.seq and after >= failed_attempt:
        if after > failed_attempt:
            said.append(f"retried: attempt {after} {attempts.ended.get((step, host, after), '')}")
        said.append(f"undone: {back.status.value}")
        said.append(f"then run again: attempt {run.attempt} {run.status.value}")
        back = None
    elif run.attempt > failed_attempt or (run.status is HostStatus.SUCCEEDED and run.attempt > 1):
        said.append(f"retried: attempt {run.attempt} {run.status.value}")
    elif run.attempt > 1:
        said.append(f"retried {run.attempt - 1} time(s): still {run.status.value}")
    if back is not None:
        said.append(f"undone: {back.status.value}")
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


def _untouched(failure: FailureClass | None, stage: str | None, attempt: int | None) -> str:
    """What a failure that came before anything was sent to change the host says of it:
    nothing ran there (never reached, never logged in), or the precheck failed and the
    action never ran; else nothing. `attempt`: named when the text before it tells of
    other attempts ("then run again: attempt 4 succeeded; its precheck failed" read as
    attempt 4's precheck, where it was attempt 2's)."""
    at = f"at attempt {attempt} " if attempt is not None else ""
    if failure in NEVER_RAN:
        return f"; {at}no command ran there (it was never reached or never logged in)"
    if stage == "precheck":
        if attempt is None:
            return "; its precheck failed, so the action never ran there"
        return f"; {at}the precheck failed, so that attempt's action never ran there"
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
    if run.rolled_back():  # its transaction undone: said so, by the host's own line
        return ""
    undo = state.steps.get(f"{step}.undo")
    if undo and host in undo.hosts:
        return ""
    how = "was stopped midway" if run.status is HostStatus.ABORTED else "failed"
    return f"; it may have changed the host (its action {how} there), and no undo ran"
