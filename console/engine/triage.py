"""What becomes of an automatic trigger that fired, in the journals.

A firing either starts the procedure by itself (policy `auto`, its countdown elapsed with
nobody at the console), or waits for the commander as a proposal: accepted (it becomes
the declared trigger), merged into the incident being driven as evidence, or dismissed
with a reason. Nothing is journalled while a countdown runs: its start, its deadline and
how it ended are written with the outcome, into the incident that outcome belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.engine.watcher import Countdown, Firing, record_firing, with_others
from console.model.events import Kind
from console.model.outcome import Outcome

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


@dataclass(frozen=True)
class Proposal:
    """A firing that waits for a person; `why` says why it did not start by itself,
    `countdown` is the countdown that was stopped for it, if one ran, and `drill` the
    drill that was running when it fired (its faults may be the cause); `left_open`, an
    incident open on its system that nobody drives in this console; `during`, the incident
    being driven when it fired."""

    firing: Firing
    why: str
    countdown: Countdown | None = None
    drill: str | None = None
    left_open: str = ""
    during: str = ""
    # `left_open` is a drill cut short whose faults are still on its hosts: they, said so.
    left_faults: str = ""
    # After "incident X is open on web": who has it and what r does, ': r resumes it'.
    left_how: str = ""

    @property
    def name(self) -> str:
        return self.firing.trigger.name


def _countdown(countdown: Countdown) -> dict[str, Any]:
    return {
        "trigger": countdown.firing.trigger.name,
        "seconds": countdown.seconds,
        "started": countdown.started.isoformat(),
        "deadline": countdown.deadline.isoformat(),
    }


def _trigger(firing: Firing) -> dict[str, Any]:
    """The firing, flat: which trigger, of what kind, on which probe, and its evidence."""
    t = firing.trigger
    return {
        "trigger": t.name,
        "kind": t.kind.value,
        "label": t.kind.label,
        "probe": f"{t.system}/{t.probe}",
        "fired_at": firing.fired_at.isoformat(),
        "summary": firing.reason,
        "evidence": firing.evidence_data(),
    }


def record_countdown(conductor: Conductor, proposal: Proposal) -> None:
    """How the proposal's countdown ended: stopped before it elapsed, and why."""
    if proposal.countdown is None:
        return
    conductor.recorder.record(
        Kind.COUNTDOWN_CANCELLED,
        system=proposal.firing.trigger.system,
        **_countdown(proposal.countdown),
        reason=proposal.why,
    )


def start_automatically(
    conductor: Conductor, countdown: Countdown, others: Sequence[Firing] = ()
) -> None:
    """The countdown elapsed with nobody at the console: declare its trigger, with the
    evidence (and that of `others`, the triggers firing at the same time), into
    `conductor` (a new incident)."""
    firing = countdown.firing
    for fired in (firing, *others):
        record_firing(conductor.recorder, fired)
    conductor.recorder.record(
        Kind.COUNTDOWN_ELAPSED, system=firing.trigger.system, **_countdown(countdown)
    )
    reason, evidence = with_others(firing, list(others))
    # the firing's own reason, as a proposal accepted as it stands: who declared it (the
    # countdown) is the record's to say; a status line keeps only the reason's beginning
    conductor.declare_trigger(firing.trigger.kind, reason, evidence=evidence)


def accept(
    conductor: Conductor,
    proposal: Proposal,
    reason: str,
    commander: str = "",
    others: Sequence[Firing] = (),
) -> None:
    """The commander takes the proposal as the trigger of `conductor` (a new incident);
    `others`, the triggers firing at the same time, are recorded as its evidence."""
    firing = proposal.firing
    for fired in (firing, *others):
        record_firing(conductor.recorder, fired)
    record_countdown(conductor, proposal)
    default, evidence = with_others(firing, list(others))
    conductor.declare_trigger(
        firing.trigger.kind,
        reason.strip() or default,
        evidence=evidence,
        commander=commander,
    )


def merge(conductor: Conductor, proposal: Proposal) -> None:
    """The firing is evidence for the incident being driven: it goes into its record."""
    firing = proposal.firing
    record_firing(conductor.recorder, firing)
    record_countdown(conductor, proposal)
    conductor.recorder.record(Kind.TRIGGER_MERGED, system=firing.trigger.system, **_trigger(firing))


def dismiss(conductor: Conductor, proposal: Proposal, reason: str, *, close: bool) -> None:
    """Nobody takes the firing up: who, why and the evidence are recorded in `conductor`;
    `close` closes it as dismissed (a record of its own, not an open incident)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("dismissing an automatic trigger needs a reason")
    firing = proposal.firing
    record_firing(conductor.recorder, firing)
    record_countdown(conductor, proposal)
    conductor.recorder.record(
        Kind.TRIGGER_DISMISSED, system=firing.trigger.system, **_trigger(firing), reason=reason
    )
    if close:
        conductor.close(Outcome.DISMISSED, reason)
