"""The headless walk: the whole procedure without a person at the keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from console.engine.choice import check_choice
from console.engine.closing import unknown_why
from console.engine.elsewhere import pass_over
from console.engine.errors import HostRefused, ProcedureError
from console.engine.host_trust import HostKeys, check_accept_keys
from console.engine.opening_probes import read_at_start, settle
from console.engine.resolving import resolve_unattended
from console.engine.rollback_record import NO_CHECK, NO_DATA_CHECK
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.payloads import RunAborted
from console.model.procedure import FormField, Phase, StepKind
from console.model.review import FieldValue
from console.model.settings import Settings
from console.model.status import HostStatus
from console.model.step_state import undoes
from console.model.triggers import TriggerKind

if TYPE_CHECKING:  # a firing's machinery is loaded by the run that has one
    from console.engine.conductor import Conductor
    from console.engine.named_first import NamedFirst
    from console.engine.watcher import Firing

RUNNABLE = (StepKind.COMMAND, StepKind.STRATEGY, StepKind.NOTIFY, StepKind.PROBE)
YES = "--yes (headless)"  # who confirmed, when nobody was asked at a keyboard


@dataclass
class RunRequest:
    """What `rollback-console run` was asked to do."""

    systems: list[str]
    strategy: str
    trigger: TriggerKind | None  # None: `--trigger auto`, set from `firing` before the walk
    reason: str
    hosts: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    yes: bool = False
    title: str = ""
    firing: Firing | None = None
    also_firing: list[Firing] = field(default_factory=list)  # recorded as its evidence
    form: dict[FormField, FieldValue] = field(default_factory=dict)  # post-rollback fields
    outcome: Outcome | None = None  # what to close with, if the record agrees
    outcome_detail: str = ""  # its reason, hosts (comma-separated) or successor
    commander: str = ""
    accept_keys: HostKeys = field(default_factory=dict)  # host -> SHA256 fingerprints
    named: NamedFirst | None = None  # the hosts' answers of a value named, before the incident


def check_request(settings: Settings, request: RunRequest, dry_run: bool = False) -> None:
    """Refuse, before anything is recorded, what the walk could not finish. A dry run
    sends nothing, so it needs no --yes."""
    asked = [s for s in settings.procedure.steps if s.kind is StepKind.MANUAL or s.asks]
    if asked and not request.yes and not dry_run:
        raise ProcedureError(
            f"the procedure has {len(asked)} step(s) to confirm ({asked[0].title!r}, ...):"
            " manual steps, and steps that change hosts; pass --yes to confirm them"
        )
    if request.trigger and not request.firing and not request.reason.strip():
        raise ProcedureError(
            f"--reason is required for {request.trigger.by_hand}"
            + ("; --trigger auto takes the one firing now" if request.trigger.automatic else "")
        )
    check_choice(settings, request.systems, request.strategy, request.params)
    check_accept_keys(settings, request.systems, request.accept_keys)


async def accept_keys(conductor: Conductor, keys: HostKeys) -> None:
    """Trust each named key, journalled, if what is on the way to its host offers exactly
    that one. A host behind a jump host may have two named, in either order, as ssh asks
    for both at a first contact: each unknown key on the way, the jump host's first, is
    trusted if it is one of them; one it is not is refused."""
    for host, fingerprints in keys.items():
        left = list(fingerprints)
        while left:  # each round trusts one of them, or refuses: at most len() rounds
            refusal: HostRefused | None = None
            for fingerprint in left:
                try:
                    await conductor.accept_host_key(host, fingerprint, via="--accept-host-key")
                except HostRefused as refused:  # another key on the way is unknown first
                    refusal = refusal or refused
                    continue
                left.remove(fingerprint)
                break
            else:
                assert refusal is not None
                raise refusal


def confirm_waves_as(conductor: Conductor, who: str) -> None:
    """Waves (and a gradual strategy's stages) that ask before going on are confirmed
    by `who`, with nobody at a keyboard: each answer is journalled (`wave.answered`). A
    wave with a host that neither succeeded nor needed nothing (a canary that failed) is
    not confirmed: the run stops there, as a person seeing it would, and a note says why."""

    async def confirm(what: str, done: int, total: int, hosts: Sequence[str]) -> bool:
        if bad := _did_not_succeed(conductor, what, done):
            conductor.note(
                f"{what} {done} of {total} done; {', '.join(bad)} did not succeed, so the"
                f" next {what} was not confirmed by {who}: the later hosts are left for a"
                f" person to decide (retry {_what_runs(conductor)} once the cause is fixed)"
            )
        # Said as what decided: --yes confirms only a wave whose every host succeeded or
        # needed nothing (its precheck refused: rolled back already).
        by = f"the console, not {who} ({', '.join(bad)} did not succeed)" if bad else who
        conductor.questions.answered(what, done, total, not bad, by)
        return not bad

    conductor.confirm_wave = confirm


def _what_runs(conductor: Conductor) -> str:
    """`the step`, or `the undo` while an undo runs (`<step>.undo`)."""
    return "the undo" if any(undoes(s) for s in conductor.running) else "the step"


def _did_not_succeed(conductor: Conductor, what: str, number: int) -> list[str]:
    """The hosts of wave `number` of the running step that did not succeed (a gradual
    re-enable asks only after a stage that succeeded everywhere)."""
    if what != "wave":
        return []
    bad = []
    for step_id in sorted(conductor.running):
        st = conductor.state.step(step_id)
        for host in st.waves.get(number, {}).get("hosts", []):
            run = st.hosts.get(host)
            if run is None or run.status not in (HostStatus.SUCCEEDED, HostStatus.REFUSED):
                bad.append(host)
    return bad


async def walk(
    conductor: Conductor,
    request: RunRequest,
    incident_id: str,
    drill: bool = False,
    ran: Callable[[Conductor], None] | None = None,
) -> bool:
    """Open the incident and walk immediate actions and execution; True if all succeeded.
    `ran` is called once the steps have run, while the journal is still written."""
    if request.trigger is None:
        raise ProcedureError("no trigger: name one, or use the automatic trigger firing now")
    title = request.title or request.trigger.incident_title(request.reason)
    conductor.open_incident(title, incident_id, drill=drill)
    await accept_keys(conductor, request.accept_keys)
    evidence, taken_by = None, None
    if request.firing:
        from console.engine.watcher import record_firing, with_others

        for firing in (request.firing, *request.also_firing):
            record_firing(conductor.recorder, firing)
        evidence = with_others(request.firing, request.also_firing)[1]
        taken_by = "the drill" if drill else "run --trigger auto"
    conductor.declare_trigger(
        request.trigger,
        request.reason,
        evidence=evidence,
        commander=request.commander,
        taken_by=taken_by,
    )
    conductor.select(request.systems, request.hosts or None)
    conductor.choose_strategy(request.strategy, request.params)
    if request.named is not None:  # what was asked before it opened: on record
        request.named.record(conductor)
    if request.yes:
        confirm_waves_as(conductor, "--yes")
    ok, not_started = await _execute(conductor, request)
    fill_form(conductor, {FormField.REASON: request.reason, **request.form}, request.form)
    if ran is not None:
        ran(conductor)
    if conductor.runner.hung_up and not conductor.runner.aborted:  # terminal gone: stopped
        conductor.let_go("the run stopped", conductor.runner.hung_up)  # open, to resume
        return False
    if not drill and conductor.runner.aborted and _closed_as_recorded(conductor, request.outcome):
        return conductor.state.outcome == Outcome.ROLLED_BACK  # stopped in a status update
    ok = ok and not conductor.runner.aborted
    if not drill and not conductor.runner.aborted and conductor.state.unknown_hosts:
        leave_open(conductor, request.outcome)
        return False
    close_walk(conductor, ok, request.outcome, request.outcome_detail, not_started)
    return ok and conductor.state.outcome != Outcome.UNVERIFIED  # exit 1: not verified


async def _execute(conductor: Conductor, request: RunRequest) -> tuple[bool, str]:
    """Walk the immediate actions and the execution: whether every step succeeded, and
    what a symbolic value stopped, if one did."""
    procedure = conductor.settings.procedure
    fired = (request.firing, *request.also_firing) if request.firing else ()
    opening = read_at_start(conductor, frozenset(f.sample.key for f in fired))
    ok, not_started = True, ""
    try:
        for step in procedure.steps:
            if procedure.phase_of(step.id) is Phase.POST or _stopping(conductor):
                break
            if not ok and step.kind is not StepKind.NOTIFY:
                continue  # after a failure only the status updates go: people hear of it
            if step.kind in (StepKind.STRATEGY, StepKind.PROBE):
                await settle(opening)  # the probes' before, then no round beside theirs
                opening = None
            if step.kind is StepKind.MANUAL:
                conductor.confirm(step.id, by=YES)
            elif pass_over(conductor, step.id) is not None:
                continue  # a step of another system's strategy: skipped, saying why
            elif step.kind is StepKind.STRATEGY and (
                not_started := await resolve_unattended(conductor, step.id)
            ):
                ok = False  # its symbolic value is not one value on its hosts: nothing sent
            elif _stopping(conductor):  # while its hosts were asked: the step's run
                break  # would clear it, and send what the abort stopped
            elif step.kind in RUNNABLE:
                confirmed = YES if step.asks else ""
                # after a failure, a status update goes ahead of the steps not done
                if not await conductor.run_step(step.id, confirmed=confirmed, out_of_order=not ok):
                    ok = False
    finally:
        await settle(opening, 0)
    return ok, not_started


def _stopping(conductor: Conductor) -> bool:
    """Aborted, or hung up (a headless command's terminal went away): no step starts."""
    return bool(conductor.runner.aborted or conductor.runner.hung_up)


def _closed_as_recorded(conductor: Conductor, asked: Outcome | None) -> bool:
    """Interrupted (Ctrl+C, TERM) while a status update waited on its channels, and on
    nothing else, after the rollback was verified: the incident closes rolled back and
    verified, as the record shows (the update's step failed, "aborted: ..."), not as an
    aborted rollback (PagerDuty then resolves rather than paging again); rolled back, not
    verified, where nothing in the procedure or the strategy verifies. False, closing
    nothing, when anything else ran then or the record shows neither (a stability check
    not done yet: the rollback was stopped before it was verified)."""
    aborted = [e for e in conductor.recorder.events if e.kind == Kind.RUN_ABORTED]
    running = aborted[-1].data.running if isinstance(aborted[-1].data, RunAborted) else []
    if asked not in (None, Outcome.ROLLED_BACK) or not running:
        return False
    notify = {s.id for s in conductor.settings.procedure.steps if s.kind is StepKind.NOTIFY}
    if not set(running) <= notify:
        return False
    try:
        # nothing here verifies (or judges the data): not an abort either
        if conductor.unverified() and set(conductor.unverified()) <= {NO_CHECK, NO_DATA_CHECK}:
            conductor.close(Outcome.UNVERIFIED, reason=conductor.unverified_why())
        else:
            conductor.close(Outcome.ROLLED_BACK)
    except ProcedureError:
        return False
    return True


def leave_open(conductor: Conductor, asked: Outcome | None = None) -> list[str]:
    """A run that leaves hosts unknown (the connection lost mid-change, or a verify that
    found the change still under way) does not close its incident: no outcome is known
    there, and only an open incident can be resumed and its hosts settled by V. Its
    locks stay held (stale once the run exits; resume takes them back), since a change
    may still be running there. Noted in the journal; the systems whose locks it keeps."""
    if asked is not None:
        why = "; ".join(unknown_why(conductor.state))
        conductor.note(f"--outcome {asked.value} not applied: {why}")
    from console.engine.closed_verify import settle_headless

    return conductor.let_go("the run ended", settle=settle_headless(conductor.recorder.path))


def fill_form(
    conductor: Conductor, values: Mapping[FormField, FieldValue], given: Iterable[FormField] = ()
) -> None:
    """The post-rollback fields given on the command line, each form step that has one
    completed (a rollback that failed is documented too); a field `given` that no form
    step lists is journalled on its own, as the console's form journals it (a procedure
    of an older init lists no severity, action items ...: they were dropped, exit 0)."""
    listed: set[FormField] = set()
    for step in conductor.settings.procedure.steps:
        if step.kind is not StepKind.FORM:
            continue
        listed |= set(step.fields)
        mine = {f: values[f] for f in step.fields if _given(values.get(f))}
        if mine:
            conductor.complete_form(step.id, mine)
    for alone in given:
        if alone not in listed and _given(values.get(alone)):
            conductor.set_field(alone, values[alone])


def _given(value: FieldValue | None) -> bool:
    return bool(value.strip() if isinstance(value, str) else value)


def close_walk(
    conductor: Conductor,
    ok: bool,
    asked: Outcome | None = None,
    detail: str = "",
    not_started: str = "",
) -> None:
    """Close a headless run with `asked` (--outcome) if the record agrees, else with
    what happened, as the console's close suggests it: rolled back and verified, aborted
    (with its reason), partially rolled back (the hosts left), rolled back but not
    verified (every host rolled back; the stability check that failed says why), or
    failed (the step that did, or `not_started`: why a strategy step was not, nothing
    sent for it; failed as where its precheck would fail, since the hosts are still to
    roll back)."""
    if asked is not None:
        hosts = [h for h in detail.replace(",", " ").split() if h] or conductor.not_rolled_back()
        try:
            if asked is Outcome.PARTIAL:
                conductor.close(asked, hosts=hosts)
            elif asked is Outcome.HANDED_OVER:
                conductor.close(asked, to=detail)
            else:
                conductor.close(asked, reason=detail)
            return
        except ProcedureError as refused:
            conductor.note(f"--outcome {asked.value} refused: {refused}")
    if conductor.runner.aborted:
        conductor.close(Outcome.ABORTED, conductor.runner.aborted)
        return
    if not_started:
        conductor.close(Outcome.FAILED, not_started)
        return
    if ok and conductor.unverified():  # no stability check in the procedure, or data unjudged
        conductor.close(Outcome.UNVERIFIED, reason=conductor.unverified_why())
        return
    if ok:
        conductor.close(Outcome.ROLLED_BACK)
        return
    if why := conductor.refused_why():  # nothing to do there: nothing changed there
        conductor.close(Outcome.REFUSED, why)
        return
    why, checked = conductor.why_stopped()
    left = conductor.not_rolled_back()
    if unknown := sorted({h for _, h in conductor.state.unknown_hosts}):
        # Neither rolled back nor not: the connection was lost while a change ran there,
        # or its verify found the change still under way.
        rest = [h for h in left if h not in unknown]
        conductor.close(
            Outcome.FAILED,
            "; ".join(unknown_why(conductor.state))
            + (f"; not rolled back: {', '.join(rest)}" if rest else ""),
        )
        return
    if left and len(left) < len(conductor.state.hosts):
        conductor.close(Outcome.PARTIAL, hosts=left)
        return
    if checked and conductor.state.hosts and not left:
        conductor.close(Outcome.UNVERIFIED, reason=why)
        return
    conductor.close(Outcome.FAILED, why)
