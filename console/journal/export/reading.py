"""Every place the document reads an event's data, as small functions over the typed
payloads (console/model/payloads): what the journal says, in one module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.model.events import Event
from console.model.payloads import (
    Amendable,
    AssessmentRecorded,
    CommanderHandedOver,
    CommandIntent,
    CommandOutput,
    CommandResult,
    DrillJudged,
    FieldSet,
    IncidentClosed,
    IncidentOpened,
    ProbeSample,
    RunHalted,
    StepConfirmed,
    TriggerDeclared,
    TriggerFired,
    TriggerMerged,
)
from console.model.payloads.steps import StepData

YES = "--yes (headless)"


def login(event: Event) -> str:
    """`alice@10.0.0.7`: the OS user, at the SSH client address when there is one, and
    the commander in charge when that is someone else: `ops (commander bob@10.0.0.9)`;
    not on the event of someone taking command (a teammate's, at a shift change)."""
    who = event.who
    login = who.login
    taking = isinstance(event.data, CommanderHandedOver) and event.data.to in (login, who.user)
    if who.commander and who.commander not in (login, who.user) and not taking:
        login += f" (commander {who.commander})"  # not one taking command: theirs from here
    return login


def step_catalogue(events: list[Event]) -> dict[str, dict[str, str]]:
    """The procedure's steps as the incident opened with them: id → title, kind, phase."""
    for event in events:
        if isinstance(event.data, IncidentOpened):
            return {s["id"]: {k: str(v) for k, v in s.items()} for s in event.data.steps}
    return {}


def title_of(event: Event) -> str | None:
    return event.data.title or None if isinstance(event.data, StepData) else None


def confirmer(event: Event) -> str:
    """Who confirmed a manual step: a person, or `--yes (headless)`."""
    data = event.payload(StepConfirmed)
    if data.by:
        return data.by
    if data.note == "confirmed by --yes":  # older headless journals
        return YES
    return login(event)


def commander_named(event: Event) -> str | None:
    """The commander an event puts in charge: named at the declaration, or handed over to."""
    if isinstance(event.data, TriggerDeclared):
        return event.data.commander
    if isinstance(event.data, CommanderHandedOver):
        return event.data.to
    return None


def samples(event: Event) -> list[dict[str, Any]]:
    """The probe samples an event carries: a trigger's evidence, or the sample itself."""
    if isinstance(event.data, ProbeSample):
        return [event.data.dump()]
    if isinstance(event.data, TriggerDeclared | TriggerFired | TriggerMerged):
        return list(event.data.evidence)
    return []


def sample_time(sample: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(sample["at"]))
    except (KeyError, ValueError):
        return None


def fired_at(event: Event) -> datetime:
    """When a trigger fired (its event may be written later: a countdown ran first)."""
    at = event.data.fired_at if isinstance(event.data, TriggerFired | TriggerMerged) else None
    try:
        return datetime.fromisoformat(at) if at else event.ts
    except ValueError:
        return event.ts


def attempt(event: Event) -> int:
    return event.payload(CommandIntent).attempt or 1


def stage(event: Event) -> str:
    data = event.data
    return data.stage if isinstance(data, CommandIntent | CommandResult) else ""


def stderr(event: Event) -> list[str]:
    """The stderr lines of a `command.output`, none for stdout."""
    output = event.payload(CommandOutput)
    return output.lines if output.stream == "stderr" else []


def stdout(event: Event) -> list[str]:
    """The stdout lines of a `command.output`, none for stderr."""
    output = event.payload(CommandOutput)
    return output.lines if output.stream != "stderr" else []


def assessed(event: Event) -> dict[str, dict[str, str]]:
    """host → {key: value} of an `assessment.recorded`."""
    hosts = event.payload(AssessmentRecorded).hosts
    return {h: {k: str(v) for k, v in vals.items()} for h, vals in hosts.items()}


def assessment_stage(event: Event) -> str | None:
    """`before` or `after` when the assessment says so (older journals do not)."""
    return event.payload(AssessmentRecorded).stage


def amendment(event: Event) -> bool:
    """Recorded after the close: the record was amended."""
    return isinstance(event.data, Amendable) and bool(event.data.amendment)


def outcome(event: Event) -> str:
    """An `incident.closed`'s outcome in words."""
    closed = event.payload(IncidentClosed)
    return closed.label or closed.outcome or "closed"


def halt_reason(event: Event) -> str:
    """`run.halted`: why, with the failed count against the threshold as the runner said."""
    return event.payload(RunHalted).reason or "halted"


def field_name(event: Event) -> str:
    return event.payload(FieldSet).field


def countdown_policy(event: Event) -> str | None:
    """A firing's policy: `auto` or `propose`."""
    return event.payload(TriggerFired).policy or None


def notification_text(sent: dict[str, Any]) -> str:
    """What a notification said: its message, or the command it ran."""
    return str(sent.get("message") or sent.get("command") or "")


def drill_judged(events: list[Event]) -> tuple[bool, list[str]] | None:
    """A drill's own verdict (`drill.judged`): passed, and its findings."""
    for event in reversed(events):
        if isinstance(event.data, DrillJudged):
            return event.data.passed, event.data.findings
    return None
