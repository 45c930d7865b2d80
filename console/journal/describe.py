"""Events in words: one line each, for the timeline, the terminal and the document."""

from __future__ import annotations

from datetime import datetime

from console.model.events import Event, Kind
from console.model.procedure import FormField

TIMELINE_KINDS = {
    Kind.INCIDENT_OPENED: "opened the incident",
    Kind.INCIDENT_RESUMED: "resumed the incident",
    Kind.INCIDENT_CLOSED: "closed the incident",
    Kind.TRIGGER_DECLARED: "declared the trigger",
    Kind.SYSTEMS_SELECTED: "selected systems",
    Kind.STRATEGY_CHOSEN: "chose the strategy",
    Kind.STEP_STARTED: "started step",
    Kind.STEP_CONFIRMED: "confirmed step",
    Kind.STEP_COMPLETED: "finished step",
    Kind.STEP_SKIPPED: "skipped step",
    Kind.COMMAND_INTENT: "sent",
    Kind.COMMAND_RESULT: "result",
    Kind.HOST_NOT_STARTED: "did not start",
    Kind.RUN_HALTED: "halted the run",
    Kind.RUN_ABORTED: "aborted",
    Kind.FIELD_SET: "documented",
    Kind.NOTE_ADDED: "noted",
}


def utc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def cell(text: object) -> str:
    """Make text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip() or "–"


def describe(event: Event) -> str:
    """One line of what happened, for the timeline."""
    d = event.data
    verb = TIMELINE_KINDS.get(event.kind, event.kind)
    if event.kind == Kind.TRIGGER_DECLARED:
        return f"{verb}: {d.get('label')}" + (f" — {d['reason']}" if d.get("reason") else "")
    if event.kind == Kind.SYSTEMS_SELECTED:
        return f"{verb}: {', '.join(d.get('systems', []))} ({len(d.get('hosts', {}))} hosts)"
    if event.kind == Kind.STRATEGY_CHOSEN:
        params = ", ".join(f"{k}={v}" for k, v in sorted(d.get("params", {}).items()))
        return f"{verb}: `{d.get('strategy')}`" + (f" ({params})" if params else "")
    if event.kind in (Kind.STEP_STARTED, Kind.STEP_CONFIRMED):
        return f"{verb} “{d.get('title', event.where.step)}”"
    if event.kind == Kind.STEP_COMPLETED:
        return f"{verb} “{d.get('title', event.where.step)}”: {d.get('status')} ({d.get('summary', '')})"
    if event.kind == Kind.STEP_SKIPPED:
        return f"{verb} “{d.get('title', event.where.step)}”: {d.get('reason')}"
    if event.kind == Kind.COMMAND_INTENT:
        return f"{verb} {d.get('stage')} (attempt {d.get('attempt', 1)})"
    if event.kind == Kind.COMMAND_RESULT:
        if d.get("failure"):
            return f"{d.get('stage')} failed: {d['failure']} — {d.get('detail', '')}"
        return f"{d.get('stage')} succeeded in {d.get('duration', 0):.2f} s"
    if event.kind in (Kind.RUN_ABORTED, Kind.HOST_NOT_STARTED, Kind.RUN_HALTED):
        return f"{verb}: {d.get('reason', '')}"
    if event.kind == Kind.FIELD_SET:
        return f"{verb} {FormField(d['field']).title.lower()}"
    if event.kind == Kind.NOTE_ADDED:
        return f"{verb}: {d.get('text', '')}"
    if event.kind == Kind.INCIDENT_CLOSED:
        return f"{verb}: {d.get('outcome')}"
    return verb


def where(event: Event) -> str:
    parts = [event.where.host or event.where.system or "", event.where.step or ""]
    return " · ".join(p for p in parts if p)


def console_line(event: Event) -> str:
    """A terminal line for headless runs and follow: time, where, what."""
    if event.kind == Kind.COMMAND_OUTPUT:
        mark = "!" if event.data.get("stream") == "stderr" else "|"
        host = event.where.host or ""
        return "\n".join(
            f"{event.ts:%H:%M:%S}  {host:<10} {mark} {ln}" for ln in event.data.get("lines", [])
        )
    text = describe(event)
    if event.kind == Kind.COMMAND_INTENT:
        first = (event.data.get("command") or "").strip().splitlines()
        text += f": {first[0] if first else ''}" + (" ..." if len(first) > 1 else "")
    place = event.where.host or event.where.step or ""
    return f"{event.ts:%H:%M:%S}  {place:<10} {text}"
