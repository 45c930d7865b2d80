"""Every place the document reads an event's `data`, as small functions: what the journal
says, in one module, so that typed payloads can replace the dictionaries in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.model.events import Event, Kind

YES = "--yes (headless)"
HANDED_OVER = "commander.handed_over"  # written by the console's hand-over of command


def login(event: Event) -> str:
    """`alice@10.0.0.7`: the OS user, at the SSH client address when there is one."""
    who = event.who
    return f"{who.user}@{who.client}" if who.client else who.user


def step_catalogue(events: list[Event]) -> dict[str, dict[str, str]]:
    """The procedure's steps as the incident opened with them: id → title, kind, phase."""
    for event in events:
        if event.kind == Kind.INCIDENT_OPENED:
            return {
                str(s["id"]): {k: str(v) for k, v in s.items()}
                for s in event.data.get("steps", [])
                if isinstance(s, dict) and "id" in s
            }
    return {}


def title_of(event: Event) -> str | None:
    return event.data.get("title")


def confirmer(event: Event) -> str:
    """Who confirmed a manual step: a person, or `--yes (headless)`."""
    by = event.data.get("by")
    if by:
        return str(by)
    if event.data.get("note") == "confirmed by --yes":  # older headless journals
        return YES
    return login(event)


def commander_named(event: Event) -> str | None:
    """The commander an event puts in charge: named at the declaration, or handed over to."""
    if event.kind == Kind.TRIGGER_DECLARED:
        return event.data.get("commander")
    if event.kind == HANDED_OVER:
        return event.data.get("to")
    return None


def samples(event: Event) -> list[dict[str, Any]]:
    """The probe samples an event carries: a trigger's evidence, or the sample itself."""
    if event.kind == Kind.PROBE_SAMPLE:
        return [event.data]
    return [s for s in event.data.get("evidence", []) if isinstance(s, dict)]


def sample_time(sample: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(sample["at"]))
    except (KeyError, ValueError):
        return None


def fired_at(event: Event) -> datetime:
    try:
        return datetime.fromisoformat(str(event.data["fired_at"]))
    except (KeyError, ValueError):
        return event.ts


def attempt(event: Event) -> int:
    return int(event.data.get("attempt", 1) or 1)


def stage(event: Event) -> str:
    return str(event.data.get("stage") or "")


def stderr(event: Event) -> list[str]:
    """The stderr lines of a `command.output`, none for stdout."""
    if event.data.get("stream") != "stderr":
        return []
    return [str(line) for line in event.data.get("lines", [])]


def assessed(event: Event) -> dict[str, dict[str, str]]:
    """host → {key: value} of an `assessment.recorded`."""
    hosts = event.data.get("hosts", {})
    return {h: {k: str(v) for k, v in vals.items()} for h, vals in hosts.items()}


def assessment_stage(event: Event) -> str | None:
    """`before` or `after` when the assessment says so (older journals do not)."""
    return event.data.get("stage")


def amendment(event: Event) -> bool:
    """Recorded after the close: the record was amended."""
    return bool(event.data.get("amendment"))


def outcome(event: Event) -> str:
    """An `incident.closed`'s outcome in words."""
    return str(event.data.get("label") or event.data.get("outcome") or "closed")


def halt_reason(event: Event) -> str:
    """`run.halted`: why, with the failed count against the threshold as the runner said."""
    return str(event.data.get("reason") or "halted")


def field_name(event: Event) -> str:
    return str(event.data.get("field") or "")


def countdown_policy(event: Event) -> str | None:
    """A firing's policy: `auto` or `propose`."""
    return event.data.get("policy")


def notification_text(sent: dict[str, Any]) -> str:
    """What a notification said: its message, or the command it ran."""
    return str(sent.get("message") or sent.get("command") or "")


def drill_judged(events: list[Event]) -> tuple[bool, list[str]] | None:
    """A drill's own verdict (`drill.judged`): passed, and its findings."""
    for event in reversed(events):
        if event.kind == "drill.judged":
            return bool(event.data.get("passed")), [str(f) for f in event.data.get("findings", [])]
    return None
