"""The rollback document as GitHub-flavoured Markdown, rendered from its facts: the same
journal always gives the same bytes. The sections, in order, with these exact headings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from console.journal.export.document import build_document, settled
from console.journal.export.facts import Change, Document, HostResult
from console.journal.export.host_runs import alike_rows
from console.journal.export.inert import cell, code, inert
from console.journal.export.integrity_facts import IntegrityCheck, Snapshot
from console.journal.export.markdown_record import (
    action_items,
    appendix,
    change_history,
    failures,
    lessons,
    notifications,
    resolution,
    text_section,
    timeline,
)
from console.journal.times import duration, minutes, utc
from console.journal.worded import exported
from console.model.events import Event
from console.model.integrity_judged import (
    match_detail,
    not_expected,
    not_expected_said,
    unjudged_said,
)
from console.model.recovery import stop_said
from console.model.state import HostStatus
from console.model.step_state import NEEDED_NOTHING
from console.model.triggers import AUTOMATIC
from console.model.visible import clip, visible

NOT_RECORDED = "not recorded"
SHOWN_HOSTS = 8
ROWS_EACH = 10  # a system of more hosts: its hosts alike in one row of Systems affected
SAID_WIDTH = 80  # a host's own words in the Systems affected table: the Failures say all


def render_markdown(
    events: list[Event], starred_only: bool = False, history: bool = True, total: int | None = None
) -> str:
    """The document; `history=False` leaves the change history and the appendix to a
    container that keeps its own (the node format). `total`: see build_document."""
    events = [exported(e) for e in events]  # as a document holds them (worded.py)
    doc = build_document(events, starred_only, total)
    out = [f"# Rollback document: {cell(doc.title)}", ""]
    if doc.summary.drill:
        out += ["> **DRILL** — this incident was a rollback drill, not a production incident.", ""]
    sections: list[Callable[[Document], list[str]]] = [
        summary,
        impact,
        trigger,
        milestones,
        systems,
        integrity,
        resolution,
        failures,
        notifications,
        timeline,
        text_section("Root cause", lambda d: d.review.root_cause),
        text_section("Remediation plan", lambda d: d.review.remediation),
        text_section("Procedure updates", lambda d: d.review.procedure_updates),
        retry,
        action_items,
        lessons,
    ]
    for section in sections:
        out += section(doc)
    if history:
        out += change_history(doc)
        if not starred_only:
            out += appendix(events, settled(events))
    return "\n".join(out).rstrip() + "\n"


def when(at: datetime | None, missing: str = "–") -> str:
    return utc(at) if at else missing


def _table(head: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def summary(doc: Document) -> list[str]:
    s = doc.summary
    status = s.status + (" (amended after the close)" if s.amended else "")
    opened = f"{utc(s.opened)} by {s.opened_by}" if s.opened else "–"
    closed = f"{utc(s.closed)} by {s.closed_by}" if s.closed else "– (open)"
    took = duration(s.duration_seconds) if s.duration_seconds is not None else "ongoing"
    rows = [
        ("Incident", s.incident or "–"),
        ("Title", s.title or "–"),
        ("Status", status),
        ("Severity", s.severity or NOT_RECORDED),
        ("Outcome", s.outcome or "open"),
        ("Commander", s.commander or NOT_RECORDED),
        ("Other responders", ", ".join(s.responders) or "none"),
        ("Opened", opened),
        ("Closed", closed),
        ("Duration", took),
        ("Drill or real", f"drill: {s.drill_verdict}" if s.drill else "real incident"),
        ("Systems", ", ".join(s.systems) or "–"),
        ("Strategy", s.strategy or "–"),
        ("Reason", s.reason or "–"),
    ]
    if s.unknown_at_close:  # a change may still have run there: said where it is read
        kept = f" (locks kept: {', '.join(s.locks_kept_at_close)})" if s.locks_kept_at_close else ""
        rows.append(("Outcome unknown at close", ", ".join(s.unknown_at_close) + kept))
    if s.verified_by_hand:  # what `verify` found there since
        found = "; ".join(f"{host}: {said}" for host, said in sorted(s.verified_by_hand.items()))
        rows.append(("Verified by hand after the close", f"{found} (incident {s.verified_by})"))
    return ["## Summary", "", inert(s.paragraph), "", *_table(("Fact", "Value"), rows)]


def impact(doc: Document) -> list[str]:
    i = doc.impact
    start = _utc_text(i.start) or NOT_RECORDED
    if not i.start and i.first_bad_sample:
        start += f" (the first bad probe sample was at {utc(i.first_bad_sample)})"
    rows = [
        ("Users or customers affected", i.users or NOT_RECORDED),
        ("Impact start", start),
        ("Impact end", _utc_text(i.end) or NOT_RECORDED),
        ("Business impact", i.business or NOT_RECORDED),
    ]
    return ["## Impact", "", *_table(("Impact", "Value"), rows)]


def _utc_text(text: str | None) -> str | None:
    """A form's date-time with its zone said: `2026-11-30 13:54 UTC` (a date stays a date)."""
    return f"{text} UTC" if text and len(text) > 10 else text


def how_declared(kind: str, automatic: bool) -> str:
    """`automatic` (fired from its probe), `manual`, or `declared by hand` for an
    automatic kind a person named without a probe's evidence."""
    if automatic:
        return "automatic"
    return "declared by hand" if kind in AUTOMATIC else "manual"


def trigger(doc: Document) -> list[str]:
    lines = ["## Trigger event details", ""]
    t = doc.trigger
    if t is None:
        return [*lines, "No trigger was declared.", ""]
    lines += [
        f"- **Trigger:** {cell(t.label)} ({code(t.kind)}, {how_declared(t.kind, t.automatic)})",
        (
            f"- **Declared:** {utc(t.declared_at)} by {cell(t.declared_by.text)}"
            if t.declared_at and t.declared_by
            else "- **Declared:** no: nobody declared a trigger (each firing's fate is below)"
        ),
        f"- **Reason:** {cell(t.reason)}",
    ]
    if t.evidence:
        lines.append("- **Evidence:**")
        lines += [f"  - {cell(e.text)}" for e in t.evidence]
    if t.firings:
        lines.append("- **Automatic triggers that fired:**")
        lines += [
            f"  - {utc(f.at)} {cell(f.label)} ({cell(f.probe or 'no probe')}, policy"
            f" {cell(f.policy)}): {cell(f.fate)}"
            for f in t.firings
        ]
    return [*lines, ""]


def milestones(doc: Document) -> list[str]:
    m = doc.milestones
    rows = [(x.label, when(x.at), x.source) for x in m.milestones]
    names = {x.name: x.label.lower() for x in m.milestones}
    names["impact_start"] = "impact start (the form)"
    spans = [
        (
            i.label,
            duration(i.seconds) if i.seconds is not None else "not measurable",
            f"{names.get(i.start, i.start)} → {names.get(i.end, i.end)}",
            f"{i.clock} clock" if i.clock else "–",
        )
        for i in m.intervals
    ]
    lines = ["## Milestones", "", *_table(("Milestone", "Date and time (UTC)", "Known from"), rows)]
    lines += _table(("Interval", "Duration", "From → to", "Timed on"), spans)
    if notes := [f"- {i.label}: {i.note}." for i in m.intervals if i.note]:
        lines[-1:-1] = ["", *notes]  # before the table's closing blank line
    if not m.recovery:
        why = next((x.source for x in m.milestones if x.name == "verified_stable"), "")
        why = why or "stability was not verified"
        return [*lines, f"{why[0].upper()}{why[1:]}, so recovery time was not measured.", ""]
    recovery = [
        (
            r.system,
            utc(r.started),
            utc(r.verified),
            duration(r.seconds),
            minutes(r.rto_minutes) if r.rto_minutes is not None else "–",
            r.verdict,
        )
        for r in m.recovery
    ]
    # a drill's recovery clock starts at its first fault (none: at the trigger)
    drilled = any(x.name == "fault_injected" for x in m.milestones)
    start = "From (fault injected)" if drilled else "From (first trigger)"
    head = ("System", start, "Verified stable", "Recovery time", "RTO", "Verdict")
    return [*lines, *_table(head, recovery)]


def _hosts(members: list[str], total: int) -> str:
    if len(members) == total and total > 1:
        return "both hosts" if total == 2 else f"all {total} hosts"
    shown = ", ".join(members[:SHOWN_HOSTS])
    return shown + (f" and {len(members) - SHOWN_HOSTS} more" if len(members) > SHOWN_HOSTS else "")


def _change(c: Change, total: int, verified: bool) -> tuple[str, ...]:
    """A row of Before → after; an after never read says why, never "–", which read as
    "nothing" beside a host the rollback had changed: its system not verified, or (verified
    by other means) the value not read again."""
    key = f"{c.key} (probe)" if c.source == "probe" else c.key
    before = c.before or "–"
    unread = "not read again" if verified else "not verified"
    after = unread if c.after is None else (c.after or "–")
    if c.after is not None and c.before is not None and c.after != c.before:
        after = f"**{cell(after)}**"
    return (key, before, after, _hosts(c.hosts, total))


def systems(doc: Document) -> list[str]:
    lines = ["## Systems affected", ""]
    if not doc.systems:
        return [*lines, "No systems were selected.", ""]
    for system in doc.systems:
        rows = [
            (h.host, _result(h.status), _failure(h), h.last_step_title or "–") for h in system.hosts
        ]
        rows = alike_rows(rows) if len(rows) > ROWS_EACH else rows
        lines += [f"### {cell(system.system)}", ""]
        lines += _table(("Host", "Result", "Failure", "Last step"), rows)
        total = len(system.hosts)
        if system.changes:
            lines += ["Before → after (the assessment, then the verification):", ""]
            verified = any(r.system == system.system for r in doc.milestones.recovery)
            changes = [_change(c, total, verified) for c in system.changes]
            lines += ["| Value | Before | After | Hosts |", "|---|---|---|---|"]
            lines += [f"| {cell(k)} | {cell(b)} | {a} | {cell(h)} |" for k, b, a, h in changes]
            lines.append("")
        else:
            lines += ["No assessment or probe value was recorded for these hosts.", ""]
    return lines


def _failure(h: HostResult) -> str:
    """`non-zero exit: exit status 3 — no space left on device`: the failure, and why in
    the host's own words (its last stderr line, cut to SAID_WIDTH), where it said more."""
    failure = f"{h.failure}: {h.detail}" if h.failure else (h.detail or "–")
    said = visible(h.said or "", one_line=True)
    if not said or said in failure:
        return failure
    return f"{failure} — {clip(said, SAID_WIDTH)}"


def _result(status: str) -> str:
    if status == HostStatus.REFUSED:  # its reason in the next column
        return f"{HostStatus.REFUSED.symbol} refused at the precheck: nothing changed"
    if status == NEEDED_NOTHING:  # refused there, the step done on the others: its reason
        return f"{HostStatus.REFUSED.symbol} {NEEDED_NOTHING}: nothing changed by this incident"
    try:
        return f"{HostStatus(status).symbol} {status}"
    except ValueError:
        return f"· {status}"


def _snapshot(s: Snapshot | None) -> str:
    if s is None:
        return "–"
    rows = ", ".join(f"{k} {v}" for k, v in sorted(s.rows.items()))
    checksum = f"checksum {str(s.checksum)[:16]}" if s.checksum else "no checksum"
    absent = f"; no such table: {', '.join(s.absent)}" if s.absent else ""
    return checksum + (f"; rows: {rows}" if rows else "") + absent


def _detail(r: IntegrityCheck) -> str:
    """Its record's detail, an undo's match said as it is now (match_detail)."""
    expected = r.expected.model_dump() if r.expected else None
    return match_detail(r.step, r.verdict, r.detail, expected)


def _integrity_row(
    r: IntegrityCheck, recoveries: bool, restores: bool, databases: bool
) -> tuple[object, ...]:
    detail = _detail(r)
    verdict = r.verdict + (f": {detail}" if detail else "")
    if r.after is not None and r.verdict == "recorded" and not r.detail:  # a recovery to a time
        verdict = unjudged_said(r.step)
    row: tuple[object, ...] = (r.host or "–", r.step or "–", _snapshot(r.before),
                               _snapshot(r.after), _snapshot(r.expected), verdict)  # fmt: skip
    if databases:
        row = (*row[:2], r.database or "–", *row[2:])
    if restores:
        row = (*row, r.restored or "–")
    if recoveries:
        stop = r.recovery
        row = (*row, f"{stop_said(stop.stopped)} (timeline {stop.timeline})" if stop else "–")
    return row


def integrity(doc: Document) -> list[str]:
    lines = ["## Data integrity", ""]
    if not doc.integrity:
        return [*lines, "No integrity record was taken: nothing to compare.", ""]
    head: tuple[str, ...] = ("Host", "Step", "Before", "After", "Expected", "Verdict")
    # the database counted in, what the data was brought back to, and a recovery's stop
    # point, in columns of their own where any record said one
    databases = any(r.database for r in doc.integrity)
    restores = any(r.restored for r in doc.integrity)
    recoveries = any(r.recovery for r in doc.integrity)
    if databases:
        head = (*head[:2], "Database", *head[2:])
    if restores:
        head = (*head, "Restored to")
    if recoveries:
        head = (*head, "Recovery stopped")
    rows = [_integrity_row(r, recoveries, restores, databases) for r in doc.integrity]
    runs = [(r.step, r.host) for r in doc.integrity]
    if len(set(runs)) < len(runs):
        lines += [
            "A step run again on a host (a retry, a run after its undo) has a row for each"
            " run, in the order they ran: the last one is where the data was left.",
            "",
        ]
    return [*lines, *_table(head, rows), *_how_verified(doc.integrity)]


def _how_verified(checked: list[IntegrityCheck]) -> list[str]:
    """Each run's after as its verify found it, where the verify said what it checked
    on the database (`checked: ...`): those checks, then the data it measured, judged."""
    out = []
    for r in checked:
        if r.after is None or not r.checks:
            continue
        rows = ", ".join(f"{k} {v}" for k, v in sorted(r.after.rows.items()))
        measured = " and ".join(
            filter(None, [rows and f"row counts {rows}", r.after.checksum and "checksum"])
        )
        sum_ = f" {r.after.checksum[:16]}" if r.after.checksum else ""
        where = f" in database {r.database}" if r.database else ""
        judged = (
            f"{r.verdict}: {detail}"
            if (detail := _detail(r))
            else {"match": "match, as expected", "recorded": unjudged_said(r.step)}.get(
                r.verdict, r.verdict
            )
        )
        if r.verdict == "match" and r.expected is not None:  # what was expected, no more
            unexpected = not_expected(r.after.rows, r.after.checksum, r.expected.model_dump())
            judged += not_expected_said(unexpected)
        data = f"{measured or 'nothing measured'}{sum_}{where}: {judged}"
        by = ", ".join(filter(None, [r.step, r.strategy]))
        out.append(
            f"- **{cell(r.host or '–')}** ({cell(by)}): {cell('; '.join([*r.checks, data]))}"
        )
    if not out:
        return []
    head = "How it was verified (what each host's verify checked on the database, and found):"
    return [head, "", *out, ""]


def retry(doc: Document) -> list[str]:
    r = doc.review.retry
    if not r.at and not r.owner:
        return ["## Retry schedule", "", "_Not scheduled yet._", ""]
    at = _utc_text(r.at) or "no date yet"
    return ["## Retry schedule", "", f"{cell(at)} · owner: {cell(r.owner or NOT_RECORDED)}", ""]
