"""The rollback document as GitHub-flavoured Markdown, deterministic for a journal."""

from __future__ import annotations

from typing import Any

from console.journal.describe import TIMELINE_KINDS, cell, describe, utc, where
from console.model.events import Event, Kind
from console.model.procedure import FormField
from console.model.state import IncidentState, fold
from console.model.status import StepStatus


def render_markdown(events: list[Event], starred_only: bool = False) -> str:
    state = fold(events).settle() if not _closed(events) else fold(events)
    out: list[str] = []
    title = state.title or "Rollback"
    out.append(f"# Rollback document: {title}")
    out.append("")
    if state.drill:
        out += ["> **DRILL** — this incident was a rollback drill, not a production incident.", ""]
    out += _summary(state)
    out += _trigger(state)
    out += _timeline(events, state, starred_only)
    out += _systems(state)
    out += _recovery(state)
    out += _resolution(events, state)
    out += _field_section("Root cause", state, FormField.ROOT_CAUSE)
    out += _field_section("Remediation plan", state, FormField.REMEDIATION)
    out += _field_section("Procedure updates", state, FormField.PROCEDURE_UPDATES)
    out += _field_section("Retry schedule", state, FormField.RETRY_SCHEDULE)
    out += _field_section("Lessons learned", state, FormField.LESSONS)
    return "\n".join(out).rstrip() + "\n"


def _closed(events: list[Event]) -> bool:
    return any(e.kind == Kind.INCIDENT_CLOSED for e in events)


def _summary(state: IncidentState) -> list[str]:
    rows = [
        ("Incident", state.incident_id or "–"),
        ("Opened", f"{utc(state.opened_at)} by {state.opened_by}" if state.opened_at else "–"),
        ("Outcome", state.outcome or "open"),
        ("Systems", ", ".join(state.systems) or "–"),
        ("Strategy", state.strategy or "–"),
        (
            "Reason",
            state.fields.get(FormField.REASON.value)
            or (state.trigger.reason if state.trigger else "–"),
        ),
    ]
    lines = ["## Summary", "", "| Fact | Value |", "|---|---|"]
    lines += [f"| {k} | {cell(v)} |" for k, v in rows]
    return [*lines, ""]


def _trigger(state: IncidentState) -> list[str]:
    lines = ["## Trigger event details", ""]
    t = state.trigger
    if t is None:
        return [*lines, "No trigger was declared.", ""]
    lines += [
        f"- **Trigger:** {t.label} (`{t.kind}`, {'automatic' if t.automatic else 'manual'})",
        f"- **Declared:** {utc(t.declared_at)} by {t.declared_by}",
        f"- **Reason:** {t.reason or '–'}",
    ]
    if t.evidence:
        lines.append("- **Evidence:**")
        lines += [f"  - {cell(_evidence(e))}" for e in t.evidence]
    return [*lines, ""]


def _evidence(e: dict[str, Any]) -> str:
    """A probe sample as one line (time, probe, value, state, hosts); anything else as k=v."""
    if "probe" not in e or "state" not in e:
        return ", ".join(f"{k}={v}" for k, v in sorted(e.items()))
    limit = f", threshold {e['threshold']}" if e.get("threshold") is not None else ""
    hosts = "; ".join(
        f"{h} {d.get('value') if d.get('error') is None else 'error: ' + str(d['error'])}"
        + (f" ({d['detail']})" if d.get("detail") else "")
        for h, d in sorted(e.get("hosts", {}).items())
    )
    return f"{e.get('at', '')[:19]} {e['probe']} = {e.get('value')} {e['state']}{limit} — {hosts}"


def _timeline(events: list[Event], state: IncidentState, starred_only: bool) -> list[str]:
    lines = [
        "## Timeline of actions",
        "",
        "| Time (UTC) | Who | What | Where |",
        "|---|---|---|---|",
    ]
    for event in events:
        if event.kind not in TIMELINE_KINDS or _annotation(event):
            continue  # an annotation is shown with the event it is about
        if starred_only and event.seq not in state.stars:
            continue
        star = "★ " if event.seq in state.stars else ""
        who = event.who.user + (f"@{event.who.client}" if event.who.client else "")
        what = describe(event) + "".join(f" ✎ {n}" for n in state.annotations.get(event.seq, []))
        lines.append(
            f"| {event.ts:%H:%M:%S} | {cell(who)} | {star}{cell(what)} | {cell(where(event))} |"
        )
    return [*lines, ""]


def _annotation(event: Event) -> bool:
    return event.kind == Kind.NOTE_ADDED and event.data.get("about") is not None


def _systems(state: IncidentState) -> list[str]:
    lines = ["## Systems affected", ""]
    if not state.hosts:
        return [*lines, "No systems were selected.", ""]
    lines += ["| System | Host | Result | Failure | Last step |", "|---|---|---|---|---|"]
    for host, system in state.hosts.items():
        runs = state.host_runs(host)
        if runs:
            step_id, run = runs[-1]
            result = f"{run.status.symbol} {run.status.value}"
            failure = f"{run.failure.value}: {run.detail}" if run.failure else (run.detail or "")
        else:
            step_id, result, failure = "", "· not touched", ""
        lines.append(f"| {system} | {host} | {result} | {cell(failure)} | {cell(step_id)} |")
    return [*lines, ""]


def _recovery(state: IncidentState) -> list[str]:
    """From the first trigger event to verified stable, per system, against its RTO."""
    lines = ["## Recovery time", ""]
    if not state.recovery:
        return [*lines, "Stability was not verified, so recovery time was not measured.", ""]
    lines += [
        "| System | From (first trigger) | Verified stable | Recovery time | Target (RTO) | Verdict |",
        "|---|---|---|---|---|---|",
    ]
    for r in state.recovery.values():
        minutes, seconds = divmod(round(r.seconds), 60)
        target = f"{r.rto_minutes:g} min" if r.rto_minutes is not None else "–"
        lines.append(
            f"| {r.system} | {utc(r.started)} | {utc(r.verified)} | {minutes} min {seconds:02d} s"
            f" | {target} | {r.verdict} |"
        )
    return [*lines, ""]


STEP_EVENTS = (Kind.STEP_STARTED, Kind.STEP_CONFIRMED, Kind.STEP_COMPLETED, Kind.STEP_SKIPPED)


def _resolution(events: list[Event], state: IncidentState) -> list[str]:
    """Every step that was acted on, in order, as executed, with the commands sent."""
    lines = ["## Resolution steps", ""]
    titles: dict[str, str] = {}
    commands: dict[str, dict[str, list[str]]] = {}
    for event in events:
        step = event.where.step or ""
        if event.kind in STEP_EVENTS:
            titles.setdefault(step, event.data.get("title", step))
        elif event.kind == Kind.COMMAND_INTENT:
            sent = commands.setdefault(step, {}).setdefault(event.data.get("stage", ""), [])
            if event.data.get("command") not in sent:
                sent.append(event.data.get("command", ""))
    if not titles:
        return [*lines, "No step was acted on.", ""]
    for number, (step, title) in enumerate(titles.items(), start=1):
        st = state.step(step)
        detail = st.skip_reason if st.status is StepStatus.SKIPPED else st.summary
        status = (
            "interrupted: outcome unknown" if st.status is StepStatus.RUNNING else st.status.value
        )
        lines.append(f"{number}. **{title}** — {status}" + (f": {detail}" if detail else ""))
        for stage, sent in commands.get(step, {}).items():
            for command in sent:
                body = [f"   {c}" for c in command.strip().splitlines()]
                lines += ["", f"   {stage}:", "", "   ```sh", *body, "   ```"]
        lines.append("")
    return lines


def _field_section(title: str, state: IncidentState, field: FormField) -> list[str]:
    value = state.fields.get(field.value, "").strip()
    return [f"## {title}", "", value or "_Not documented yet._", ""]
