"""Milestones: when the release went out, when the probes first saw it, when the rollback
was declared, started, restored, verified and closed; and the times between them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from console.journal.export import reading
from console.journal.export.elapsed import Moment, elapsed, of_event, wall_only
from console.journal.export.facts import Interval, Milestone, Milestones, Recovery
from console.journal.export.read_order import Read, reads
from console.model.events import Event, Kind
from console.model.form_fields import FormField
from console.model.payloads import RecoveryMeasured, StepCompleted
from console.model.state import IncidentState
from console.model.status import StepStatus

DEPLOYED_KEYS = ("deployed_at", "release_deployed", "deployed")


def strategy_steps(events: list[Event]) -> set[str]:
    """The steps that ran a rollback strategy: by the procedure's kinds, else by what they
    sent (a strategy's `action` stage)."""
    catalogue = reading.step_catalogue(events)
    steps = {sid for sid, meta in catalogue.items() if meta.get("kind") == "strategy"}
    if steps:
        return steps
    return {
        e.where.step
        for e in events
        if e.kind == Kind.COMMAND_INTENT and reading.stage(e) == "action" and e.where.step
    }


def _deployed(events: list[Event]) -> tuple[datetime | None, str]:
    """The earliest `deployed_at` an assessment recorded on any host."""
    found: list[datetime] = []
    for event in events:
        if event.kind != Kind.ASSESSMENT_RECORDED or reading.assessment_stage(event) == "after":
            continue
        for values in reading.assessed(event).values():
            for key in DEPLOYED_KEYS:
                when = _parse(values.get(key))
                if when is not None:
                    found.append(when)
    if found:
        return min(found), "the assessment's deployed_at"
    return None, "not recorded: an assessment key deployed_at would give it"


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else None


def first_bad_sample(events: list[Event], before: int | None = None) -> datetime | None:
    """The earliest bad probe sample in the journal: the trigger's evidence, a firing's,
    or a sample the watcher journalled; read `before` the event of that seq (the rollback's
    start), when given: a service its own restart takes down reads bad too (seen: 'First
    bad sample (impact detected)' 30 s after the declaration, the canary's restart, and the
    time to mitigate measured from it)."""
    found = _first_bad(events, before)
    return found.at if found else None


def _first_bad_read(events: list[Event], before: int | None = None) -> Read | None:
    """The first bad reading in the journal's order (read_order.py): the wall clock stepped
    back as the rollback started, the samples before it read as after it, and the document
    said 'no bad probe sample before the rollback started'."""
    bad = (r for r in reads(events) if r.sample.get("state") == "bad")
    return min((r for r in bad if before is None or r.position < before), default=None)


def _first_bad(events: list[Event], before: int | None = None) -> Moment | None:
    """`first_bad_sample`'s moment, timed from the event that carries it."""
    found = _first_bad_read(events, before)
    return of_event(found.event, found.at) if found else None


def _first(events: list[Event], match: Callable[[Event], bool]) -> Moment | None:
    return next((of_event(e) for e in events if match(e)), None)


def _last(events: list[Event], match: Callable[[Event], bool]) -> Moment | None:
    return next((of_event(e) for e in reversed(events) if match(e)), None)


def _at(moment: Moment | None) -> datetime | None:
    return moment.at if moment else None


def _seq(moment: Moment | None) -> int | None:
    return moment.seq if moment else None


def _verified(events: list[Event], state: IncidentState) -> Moment | None:
    """When stability was first verified, in the journal's order (not the earliest wall
    time: a clock stepped back between two systems' verifications), timed from the record
    that measured it."""
    verified = {r.verified for r in state.recovery.values()}
    measured = (
        e
        for e in events
        if isinstance(e.data, RecoveryMeasured) and _parse(e.data.verified) in verified
    )
    event = next(measured, None)
    if event is None or not isinstance(event.data, RecoveryMeasured):
        return Moment(min(verified)) if verified else None
    return of_event(event, _parse(event.data.verified))


NO_CHECK = "the procedure has no stability check (a probe step)"


def _unverified(events: list[Event]) -> str:
    """Why no time is verified stable: no probe step in the procedure (each host's own
    verify is all there was: not "not verified" beside an outcome "rolled back and
    verified"), or none passed."""
    catalogue = reading.step_catalogue(events)
    if catalogue and all(meta.get("kind") != "probe" for meta in catalogue.values()):
        return NO_CHECK
    return "stability was not verified"


def _done_in(event: Event, steps: set[str]) -> bool:
    """Whether `event` is one of `steps` ending done."""
    return (
        isinstance(event.data, StepCompleted)
        and event.where.step in steps
        and event.data.status is StepStatus.DONE
    )


def build_milestones(events: list[Event], state: IncidentState) -> Milestones:
    rollback = strategy_steps(events)
    deployed, deployed_source = _deployed(events)
    moments: dict[str, Moment | None] = {
        "trigger_declared": _first(events, lambda e: e.kind == Kind.TRIGGER_DECLARED),
        "rollback_started": _first(
            events, lambda e: e.kind == Kind.STEP_STARTED and e.where.step in rollback
        ),
    }
    declared, started = _at(moments["trigger_declared"]), _at(moments["rollback_started"])
    first_bad = _first_bad_read(events, _seq(moments["rollback_started"]))
    moments["impact_detected"] = of_event(first_bad.event, first_bad.at) if first_bad else None
    bad = _at(moments["impact_detected"])
    no_bad = (
        "no bad probe sample was recorded"
        if first_bad_sample(events) is None
        else "no bad probe sample before the rollback started"
    )
    # The incident's own strategy restored it: a step naming a strategy of its own after it
    # (the flag turned back on, stage by stage) is not part of the time to mitigate.
    catalogue = reading.step_catalogue(events)
    own = {s for s in rollback if "strategy" not in catalogue.get(s, {})}
    moments["restored"] = _last(events, lambda e: _done_in(e, own)) or _last(
        events, lambda e: _done_in(e, rollback)
    )
    moments["verified_stable"] = _verified(events, state)
    restored, verified = _at(moments["restored"]), _at(moments["verified_stable"])
    closed = _at(_last(events, lambda e: e.kind == Kind.INCIDENT_CLOSED))
    impact_start = _parse_form(state.fields.get(FormField.IMPACT_START.value))
    # A drill's impact is its first fault: the release it found deployed is not the cause.
    # when it was first in place on a host, as the recovery clock counts from it
    fault = min(
        (datetime.fromisoformat(f["at"]) for f in state.faults if f.get("at")), default=None
    )
    injected = [
        ("fault_injected", "Fault injected (drill)", fault, "the drill's first fault", "")
    ] if fault else []  # fmt: skip
    found = [  # name, label, when, how it is known, why it is not
        ("release_deployed", "Release deployed", deployed, deployed_source, deployed_source),
        *injected,
        ("impact_detected", "First bad sample (impact detected)", bad, "the probes", no_bad),
        ("trigger_declared", "Trigger declared", declared, "the declaration",
         "no trigger was declared"),
        ("rollback_started", "Rollback started", started, "the strategy step started",
         "no strategy step started"),
        ("restored", "Restored", restored, "the strategy step finished on every host",
         "not restored"),
        ("verified_stable", "Verified stable", verified, "the soak passed", _unverified(events)),
        ("closed", "Closed", closed, "the close", "the incident is open"),
    ]  # fmt: skip
    milestones = [
        Milestone(name=name, label=label, at=at, source=known if at else unknown)
        for name, label, at, known, unknown in found
    ]
    # Detected by whichever came first: a person may declare before any probe reads bad.
    # In the journal's order: its evidence was read before the declaration.
    said = _seq(moments["trigger_declared"])
    earlier = first_bad is not None and (said is None or first_bad.position <= said)
    detected_name = "impact_detected" if earlier else "trigger_declared"
    start_name = (
        "impact_start" if impact_start else "fault_injected" if fault else "release_deployed"
    )
    moments["impact_start"] = wall_only(impact_start, "the impact start is typed in the form")
    moments["fault_injected"] = (  # where the drill's recovery clock starts, as it does
        Moment(fault, state.first_trigger_mono, state.first_trigger_seq)
        if fault is not None and fault == state.first_trigger_at
        else wall_only(fault, "the fault's time comes from its host's clock")
    )
    moments["release_deployed"] = wall_only(
        deployed, "the release's deployed_at comes from a host's clock"
    )
    timed = _Timed(moments, events)
    intervals = [
        timed.interval("time_to_detect", "Time to detect", start_name, detected_name),
        timed.interval("time_to_mitigate", "Time to mitigate", detected_name, "restored"),
        timed.interval("time_to_recover", "Time to recover", detected_name, "verified_stable"),
    ]
    recovery = [
        Recovery(
            system=r.system,
            started=r.started,
            verified=r.verified,
            seconds=r.seconds,
            rto_minutes=r.rto_minutes,
            verdict=r.verdict,
        )
        for r in state.recovery.values()
    ]
    return Milestones(milestones=milestones, intervals=intervals, recovery=recovery)


def _parse_form(text: str | None) -> datetime | None:
    """A form's UTC date-time (`2026-11-28 09:12`) as an aware datetime."""
    if not text or len(text) <= 10:
        return None
    return _parse(text.replace(" ", "T") + "+00:00")


class _Timed:
    """Intervals between the milestones' moments (elapsed.py)."""

    def __init__(self, moments: dict[str, Moment | None], events: list[Event]):
        self.moments, self.events = moments, events

    def interval(self, name: str, label: str, start: str, end: str) -> Interval:
        first, last = self.moments.get(start), self.moments.get(end)
        if first is None or last is None:
            return Interval(name=name, label=label, seconds=None, start=start, end=end)
        took = elapsed(first, last, self.events)
        return Interval(
            name=name,
            label=label,
            seconds=took.seconds,
            start=start,
            end=end,
            clock=took.clock,
            note=took.note,
            wall_step=took.wall_step,
        )
