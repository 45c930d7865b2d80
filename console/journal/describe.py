"""Events in words: one line each, for the timeline, the terminal and the document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from console.model.events import Event, Kind
from console.model.procedure import FormField
from console.model.visible import visible

# Kinds that belong in the document's timeline; samples and output stay out of it.
TIMELINE_KINDS = frozenset(Kind) - {
    Kind.COMMAND_OUTPUT,
    Kind.PROBE_SAMPLE,
    Kind.SOAK_PROGRESS,
    Kind.EVENT_STARRED,
    Kind.EXPORT_WRITTEN,
}


def utc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def _title(e: Event) -> str:
    return f"“{e.data.get('title', e.where.step)}”"


def duration(seconds: float) -> str:
    """`42 s`, or `3 min 05 s`."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def field_title(name: object) -> str:
    """`root cause`, `retry at (UTC)`: a form field as words in a sentence."""
    try:
        title = FormField(str(name)).label
    except ValueError:
        return str(name)  # a field from a newer version
    return title[0].lower() + title[1:]


def _trigger(e: Event) -> str:
    d = e.data
    return (
        f"declared the trigger: {d.get('label')}"
        + (f" — {d['reason']}" if d.get("reason") else "")
        + (f"; commander {d['commander']}" if d.get("commander") else "")
    )


def _selected(e: Event) -> str:
    text = f"selected systems: {', '.join(e.data.get('systems', []))} ({len(e.data.get('hosts', {}))} hosts)"
    failing = e.data.get("ssh_check_failed") or {}
    if failing:
        text += "; failing the SSH check when picked: " + ", ".join(
            f"{h} ({why})" for h, why in failing.items()
        )
    return text


def _strategy(e: Event) -> str:
    params = ", ".join(f"{k}={v}" for k, v in sorted(e.data.get("params", {}).items()))
    return f"chose the strategy: `{e.data.get('strategy')}`" + (f" ({params})" if params else "")


def _completed(e: Event) -> str:
    d = e.data
    return f"finished step {_title(e)}: {d.get('status')} ({d.get('summary', '')})"


def _result(e: Event) -> str:
    d = e.data
    if d.get("aborted"):
        return f"{d.get('stage')} aborted — {d.get('detail', '')}"
    if d.get("failure"):
        return f"{d.get('stage')} failed: {d['failure']} — {d.get('detail', '')}"
    return f"{d.get('stage')} succeeded in {d.get('duration', 0):.2f} s"


def _intent(e: Event) -> str:
    masked = ", secrets masked in this record" if e.data.get("masked") else ""
    here = " on the jump host" if e.data.get("on") == "jump-host" else ""
    return f"sent {e.data.get('stage')}{here} (attempt {e.data.get('attempt', 1)}{masked})"


def _integrity(e: Event) -> str:
    d = e.data
    rows = ", ".join(f"{k}={v}" for k, v in sorted(d.get("rows", {}).items()))
    checksum = str(d.get("checksum") or "?")[:16]
    return f"integrity {d.get('stage')}: {d.get('verdict')} (checksum {checksum}…{', ' + rows if rows else ''})"


def _recovery(e: Event) -> str:
    d = e.data
    target = f"target {d['rto_minutes']:g} min" if d.get("rto_minutes") else "no target"
    return (
        f"recovery: {e.where.system} {duration(d.get('seconds', 0))} ({target}, {d.get('verdict')})"
    )


def _soak(e: Event) -> str:
    d = e.data
    return f"soak {d.get('healthy')}/{d.get('needed')} healthy ({d.get('status')})"


def _since(e: Event) -> str:
    """` of 15 s (from 09:30:12)` for a countdown event that says when it started."""
    started = str(e.data.get("started") or "")[11:19]
    seconds = e.data.get("seconds")
    return (f" of {seconds:g} s" if seconds is not None else "") + (
        f" (from {started})" if started else ""
    )


def _a_notification(e: Event) -> str:
    d = e.data
    if d.get("lifecycle"):
        return f"a PagerDuty {d.get('action')} ({d.get('lifecycle')})"
    what = f"status update #{d['repeat'] + 1}" if d.get("repeat") else "notification"
    severity = d.get("severity")
    if not severity:
        return f"a {what}"
    return f"{'an' if severity[0] in 'aeiou' else 'a'} {severity} {what}"


def _notified(e: Event) -> str:
    d = e.data
    if d.get("ok"):
        verdict = "delivered"
    else:
        verdict = "FAILED" if d.get("required") else "NOT DELIVERED (warning)"
    return f"notification via {d.get('channel')}: {verdict} — {d.get('detail', '')}"


def _attempt_checked(e: Event) -> str:
    running = e.data.get("running")
    if running:
        return f"earlier attempt still running ({len(e.data.get('processes', []))} process(es))"
    if running is False:
        return "earlier attempt no longer running"
    return f"earlier attempt: could not tell ({e.data.get('detail')})"


def _attempt_stopped(e: Event) -> str:
    if e.data.get("stopped"):
        return "stopped the earlier attempt"
    return f"could not stop the earlier attempt: {e.data.get('detail')}"


def _unknown_verified(e: Event) -> str:
    verdicts = e.data.get("verdicts", {})
    return "checked hosts left unknown: " + "; ".join(f"{h} {v}" for h, v in verdicts.items())


def _drill_started(e: Event) -> str:
    d = e.data
    parts = "; ".join(f"{p['strategy']} on {', '.join(p['systems'])}" for p in d.get("parts", []))
    faults = f", faults {', '.join(d['faults'])}" if d.get("faults") else ""
    return f"DRILL {d.get('scenario')}: {parts}{faults}; expects {d.get('expect')}"


def _drill_judged(e: Event) -> str:
    d = e.data
    verdict = "PASSED" if d.get("passed") else "FAILED: " + "; ".join(d.get("findings", []))
    return f"drill {d.get('scenario')} judged: {d.get('outcome')} (expected {d.get('expected')}), {verdict}"


DESCRIBE: dict[str, Callable[[Event], str]] = {
    Kind.DRILL_STARTED: _drill_started,
    Kind.DRILL_FAULT: lambda e: (
        f"injected fault {e.data.get('name')} on {', '.join(e.data.get('hosts', []))}"
    ),
    Kind.DRILL_FAULT_UNDONE: lambda e: (
        f"undid fault {e.data.get('name')}"
        + ("" if e.data.get("ok") else f": FAILED — {e.data.get('detail', '')}")
    ),
    Kind.DRILL_JUDGED: _drill_judged,
    Kind.INCIDENT_OPENED: lambda e: (
        "opened the incident" + (" (DRILL)" if e.data.get("drill") else "")
    ),
    Kind.INCIDENT_RESUMED: lambda e: (
        "reopened the closed incident to amend it"
        if e.data.get("amendments_only")
        else "resumed the incident"
        + (f"; {len(e.data['unknown'])} host(s) unknown" if e.data.get("unknown") else "")
    ),
    Kind.COMMANDER_HANDED_OVER: lambda e: (
        f"handed command over to {e.data.get('to')}"
        + (f" (from {e.data['previous']})" if e.data.get("previous") else "")
        + (f": {e.data['note']}" if e.data.get("note") else "")
    ),
    Kind.INCIDENT_CLOSED: lambda e: (
        f"closed the incident: {e.data.get('label') or e.data.get('outcome')}"
    ),
    Kind.TRIGGER_DECLARED: _trigger,
    Kind.TRIGGER_FIRED: lambda e: (
        f"automatic trigger fired: {e.data.get('label')} — {e.data.get('reason', '')}"
    ),
    Kind.TRIGGER_MERGED: lambda e: (
        f"merged an automatic trigger as evidence: {e.data.get('label')} — {e.data.get('summary', '')}"
    ),
    Kind.TRIGGER_DISMISSED: lambda e: (
        f"dismissed an automatic trigger: {e.data.get('label')} — {e.data.get('reason', '')}"
    ),
    Kind.COUNTDOWN_STARTED: lambda e: f"auto-rollback countdown started: {e.data.get('seconds')} s",
    Kind.COUNTDOWN_CANCELLED: lambda e: (
        f"auto-rollback countdown{_since(e)} stopped: {e.data.get('reason')}"
    ),
    Kind.COUNTDOWN_ELAPSED: lambda e: (
        f"auto-rollback countdown{_since(e)} elapsed with nobody at the console:"
        " the rollback starts"
    ),
    Kind.SYSTEMS_SELECTED: _selected,
    Kind.STRATEGY_CHOSEN: _strategy,
    Kind.STEP_STARTED: lambda e: f"started step {_title(e)}",
    Kind.STEP_CONFIRMED: lambda e: f"confirmed step {_title(e)}",
    Kind.STEP_COMPLETED: _completed,
    Kind.STEP_SKIPPED: lambda e: f"skipped step {_title(e)}: {e.data.get('reason')}",
    Kind.COMMAND_INTENT: _intent,
    Kind.COMMAND_RESULT: _result,
    Kind.HOST_NOT_STARTED: lambda e: f"did not start: {e.data.get('reason', '')}",
    Kind.WAVE_STARTED: lambda e: (
        f"wave {e.data.get('wave')} of {e.data.get('waves')} started ({len(e.data.get('hosts', []))} hosts)"
    ),
    Kind.WAVE_FINISHED: lambda e: (
        f"wave {e.data.get('wave')} of {e.data.get('waves')} finished: {e.data.get('succeeded')} ok, {e.data.get('failed')} failed"
    ),
    Kind.RUN_HALTED: lambda e: f"halted the run: {e.data.get('reason', '')}",
    Kind.RUN_ABORTED: lambda e: f"aborted: {e.data.get('reason', '')}",
    Kind.RUN_DETACHED: lambda e: (
        "the console quit leaving the commands running on"
        f" {', '.join(e.data.get('hosts', [])) or 'no host'} (detached)"
    ),
    Kind.HOSTKEY_ACCEPTED: lambda e: (
        f"accepted host key {e.data.get('fingerprint')}"
        + (f" of {e.data['endpoint']}" if e.data.get("endpoint") else "")
        + (f" ({e.data['via']})" if e.data.get("via") else "")
    ),
    Kind.LOCK_ACQUIRED: lambda e: f"locked systems {', '.join(e.data.get('systems', []))}",
    Kind.LOCK_TAKEN_OVER: lambda e: (
        f"took over the stale lock of incident {e.data.get('previous', {}).get('incident')}: {e.data.get('reason')}"
    ),
    Kind.LOCK_RELEASED: lambda e: f"released the locks on {', '.join(e.data.get('systems', []))}",
    Kind.FIELD_SET: lambda e: f"documented {field_title(e.data.get('field'))}",
    Kind.NOTE_ADDED: lambda e: (
        f"annotated event #{e.data['about']}: {e.data.get('text', '')}"
        if e.data.get("about") is not None
        else f"noted: {e.data.get('text', '')}"
    ),
    Kind.EVENT_STARRED: lambda e: (
        f"{'starred' if e.data.get('starred', True) else 'unstarred'} event #{e.data.get('seq')}"
    ),
    Kind.EXPORT_WRITTEN: lambda e: f"exported {e.data.get('format')} to {e.data.get('path')}",
    Kind.PROBE_SAMPLE: lambda e: (
        f"probe {e.data.get('probe')} = {e.data.get('value')} ({e.data.get('state')})"
    ),
    Kind.SOAK_PROGRESS: _soak,
    Kind.RECOVERY_MEASURED: _recovery,
    Kind.INTEGRITY_RECORDED: _integrity,
    Kind.ASSESSMENT_RECORDED: lambda e: (
        f"assessed {len(e.data.get('hosts', {}))} host(s): {', '.join(e.data.get('keys', []))}"
    ),
    Kind.DELIVERY_HALTED: lambda e: f"halted delivery on {len(e.data.get('hosts', []))} host(s)",
    Kind.ROLLOUT_STEP: lambda e: (
        f"re-enable step {e.data.get('index')} of {e.data.get('of')}: {e.data.get('percent')}% {'ok' if e.data.get('ok') else 'FAILED'}"
    ),
    Kind.NOTIFICATION_SENT: lambda e: (
        f"sent {_a_notification(e)} via {e.data.get('channel')} to {e.data.get('target')}"
    ),
    Kind.NOTIFICATION_RESULT: _notified,
    Kind.ATTEMPT_CHECKED: _attempt_checked,
    Kind.ATTEMPT_STOPPED: _attempt_stopped,
    Kind.UNKNOWN_VERIFIED: _unknown_verified,
}


def describe(event: Event) -> str:
    """One line of what happened; a kind from a newer version is shown by its name."""
    formatter = DESCRIBE.get(event.kind)
    text = formatter(event) if formatter else event.kind
    return text + (" (amendment after the close)" if event.data.get("amendment") else "")


def where(event: Event) -> str:
    parts = [event.where.host or event.where.system or "", event.where.step or ""]
    return " · ".join(p for p in parts if p)


def console_line(event: Event) -> str:
    """A terminal line for headless runs and follow: time, where, what. What a host
    printed is shown with its control characters escaped, never obeyed."""
    if event.kind == Kind.COMMAND_OUTPUT:
        mark = "!" if event.data.get("stream") == "stderr" else "|"
        host = visible(event.where.host or "", one_line=True)
        return "\n".join(
            f"{event.ts:%H:%M:%S}  {host:<10} {mark} {visible(ln)}"
            for ln in event.data.get("lines", [])
        )
    text = describe(event)
    if event.kind == Kind.COMMAND_INTENT:
        first = (event.data.get("command") or "").strip().splitlines()
        text += f": {first[0] if first else ''}" + (" ..." if len(first) > 1 else "")
    place = event.where.host or event.where.step or event.where.system or ""
    return visible(f"{event.ts:%H:%M:%S}  {place:<10} {text}", one_line=True)
