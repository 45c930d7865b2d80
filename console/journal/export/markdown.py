"""The rollback document as GitHub-flavoured Markdown, deterministic for a journal."""

from __future__ import annotations

from console.journal.describe import TIMELINE_KINDS, cell, describe, utc, where
from console.model.events import Event, Kind
from console.model.procedure import FormField
from console.model.state import IncidentState, fold


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
    out += _resolution(events)
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
    lines = ["## Summary", "", "| | |", "|---|---|"]
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
        lines += [
            f"  - {cell(', '.join(f'{k}={v}' for k, v in sorted(e.items())))}" for e in t.evidence
        ]
    return [*lines, ""]


def _timeline(events: list[Event], state: IncidentState, starred_only: bool) -> list[str]:
    lines = [
        "## Timeline of actions",
        "",
        "| Time (UTC) | Who | What | Where |",
        "|---|---|---|---|",
    ]
    for event in events:
        if event.kind not in TIMELINE_KINDS:
            continue
        if starred_only and event.seq not in state.stars:
            continue
        star = "★ " if event.seq in state.stars else ""
        who = event.who.user + (f"@{event.who.client}" if event.who.client else "")
        lines.append(
            f"| {event.ts:%H:%M:%S} | {cell(who)} | {star}{cell(describe(event))} | {cell(where(event))} |"
        )
    return [*lines, ""]


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


def _resolution(events: list[Event]) -> list[str]:
    lines = ["## Resolution steps", ""]
    number = 0
    commands: dict[tuple[str, str], list[str]] = {}
    for event in events:
        if event.kind == Kind.COMMAND_INTENT:
            key = (event.where.step or "", event.data.get("stage", ""))
            commands.setdefault(key, [])
            if event.data.get("command") not in commands[key]:
                commands[key].append(event.data.get("command", ""))
    for event in events:
        if event.kind not in (Kind.STEP_COMPLETED, Kind.STEP_CONFIRMED, Kind.STEP_SKIPPED):
            continue
        number += 1
        d = event.data
        status = {Kind.STEP_CONFIRMED: "confirmed", Kind.STEP_SKIPPED: "skipped"}.get(
            event.kind, d.get("status")
        )
        detail = d.get("reason") if event.kind == Kind.STEP_SKIPPED else d.get("summary", "")
        lines.append(
            f"{number}. **{d.get('title', event.where.step)}** — {status}"
            + (f": {detail}" if detail else "")
        )
        for (step, stage), cmds in commands.items():
            if step != event.where.step:
                continue
            for cmd in cmds:
                lines += [
                    "",
                    f"   {stage}:",
                    "",
                    "   ```sh",
                    *[f"   {c}" for c in cmd.strip().splitlines()],
                    "   ```",
                ]
        lines.append("")
    if number == 0:
        lines += ["No step was finished.", ""]
    return lines


def _field_section(title: str, state: IncidentState, field: FormField) -> list[str]:
    value = state.fields.get(field.value, "").strip()
    return [f"## {title}", "", value or "_Not documented yet._", ""]
