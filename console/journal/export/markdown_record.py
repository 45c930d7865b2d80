"""The Markdown of what was done and what follows: resolution steps, failures,
notifications, the timeline, the review sections, the change history and the appendix."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from console.journal.event_phrases import out_of_order
from console.journal.export.facts import Document, FailureFacts, StepFacts, TimelineRow
from console.journal.export.host_runs import host_runs
from console.journal.export.inert import cell, inert
from console.journal.export.sent import shown
from console.journal.export.timeline import every_event
from console.journal.times import utc
from console.model.events import Event
from console.model.state import IncidentState
from console.model.status import HostStatus, StepStatus, step_said
from console.model.step_state import recovery_said
from console.model.strategies import STAGES

NOT_YET = "_Not documented yet._"
SHOWN_NAMES = 3
IN_DOUBT = (HostStatus.UNKNOWN, HostStatus.RUNNING)  # a host whose command's end is not known


def _fence(lines: list[str], info: str = "", indent: str = "") -> list[str]:
    """A fenced block longer than any run of backticks inside it."""
    longest = max((len(run) for ln in lines for run in re.findall(r"`+", ln)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{indent}{fence}{info}", *(f"{indent}{ln}" for ln in lines), f"{indent}{fence}"]


def _step_line(marker: str, step: StepFacts) -> str:
    status = step_said(step.status, step.summary or "")
    if status == "interrupted" and any(step.counts.get(s.value) for s in IN_DOUBT):
        status = "interrupted: outcome unknown"
    elif status == "interrupted" and step.counts:  # cut between its waves: none in doubt
        counted = [(s, step.counts.get(s.value, 0)) for s in HostStatus]
        status += ": " + ", ".join(f"{n} {s.value}" for s, n in counted if n)
    said = []
    if step.skipped_because:
        said.append(step.skipped_because)
    manual = step.kind in (None, "manual")  # the yes is all a manual step's outcome says
    if step.confirmed_by and manual:
        said.append(f"confirmed by {step.confirmed_by}")
    elif step.summary and not step.skipped_because:
        said.append(step.summary)
    elif step.summary:
        said.append(f"before the skip: {step.summary}")
    if step.confirmed_by and step.kind in ("command", "strategy"):  # the yes to what it sends
        said.append(f"confirmed by {step.confirmed_by}")
    if step.ahead_of:  # taken ahead of the checklist's order: which steps it passed
        said.append(out_of_order(step.ahead_of))
    if step.attempts > 1:  # and how the runs before the last ended: a hold, a halt
        said += [f"{step.attempts} attempts", *step.earlier]
    said += step.interrupted  # cut short by the console's end: its hosts, their verify
    if step.to:  # what it brought the data back to (a recovery's target), or was to
        statuses = {s.value: s for s in StepStatus}  # else interrupted: not recovered
        said.append(recovery_said(statuses.get(step.status, StepStatus.FAILED), step.to))
    said = [cell(s) for s in said]
    if said and said[0].startswith(f"{status} "):  # `held at 5 % ...` says its status
        return f"{marker} **{cell(step.title)}** — {'; '.join(said)}"
    then = "; " if ":" in status else ": "  # `interrupted: 1 succeeded; confirmed by ...`
    return f"{marker} **{cell(step.title)}** — {status}" + (then + "; ".join(said) if said else "")


def resolution(doc: Document) -> list[str]:
    lines = ["## Resolution steps", ""]
    acted = [s for s in doc.steps if s.status != "not done"]
    adhoc = [s for s in acted if s.phase == "adhoc"]
    acted = [s for s in acted if s.phase != "adhoc"]
    if not acted:
        lines += [f"No step{' of the procedure' if adhoc else ''} was acted on.", ""]
    for number, step in enumerate(acted, start=1):
        lines += _step_block(f"{number}.", step)
    if adhoc:
        lines += [
            "Ad-hoc commands, typed by hand: not steps of the procedure (a host's result"
            " under Systems affected is its procedure's).",
            "",
        ]
    for step in adhoc:
        lines += _step_block("-", step)
    waiting = [s.title for s in doc.steps if s.status == "not done"]
    if waiting:
        lines += ["Not done: " + "; ".join(waiting) + ".", ""]
    return lines


def _step_block(marker: str, step: StepFacts) -> list[str]:
    """A step's line and each command it sent, fenced; one rendered for each host (its
    template names `{{host}}`) once, as its first host got it."""
    lines = [_step_line(marker, step)]
    commands = shown(step.commands)
    stages = Counter(sent.stage for sent in commands)
    for sent in commands:
        body = sent.text.strip().splitlines()
        said = []
        if sent.per_host:
            said.append(
                f"as sent to {sent.host}; each of the {len(sent.hosts)} hosts got it with its"
                f" own name in place of “{sent.host}”"
            )
        if stages[sent.stage] > 1:  # sent differently: to which hosts, in which run
            runs = " and ".join(map(str, sent.runs))
            said.append(
                f"run{'s' if len(sent.runs) > 1 else ''} {runs}, sent to {_first(sent.hosts)}"
            )
        if len(sent.workdirs) > 1:
            said.append(f"each host from its workdir: {_first(sent.workdirs)}")
        where = f" ({'; '.join(said)})" if said else ""
        lines += ["", f"   {cell(sent.stage + where)}:", "", *_fence(body, "sh", "   ")]
    return [*lines, ""]


def _first(names: list[str]) -> str:
    more = len(names) - SHOWN_NAMES
    return ", ".join(names[:SHOWN_NAMES]) + (f" and {more} more" if more > 0 else "")


def failures(doc: Document) -> list[str]:
    """Halts, then the failed hosts: those that failed alike (same step, failure, stderr
    and what was done) in one entry, so fifty identical failures read as one."""
    titles = {s.id: s.title for s in doc.steps}
    lines = ["## Failures", ""]
    for halt in doc.halts:
        # a few names, then how many more: at 200 hosts it named all 115 (seen)
        also = f"; not started: {_first(halt.not_started)}" if halt.not_started else ""
        if halt.started_since:
            since = halt.started_since
            some = "all" if len(since) == len(halt.not_started) else _first(since)
            also += f" (started by a later run: {some})"
        step = titles.get(halt.step or "", halt.step or "–")
        lines += [f"- **Run halted** {utc(halt.at)} in “{cell(step)}”: {cell(halt.reason + also)}"]
    if doc.halts:
        lines.append("")
    if not doc.failures:
        return [*lines, "No host failed and none was left unknown.", ""]
    alike: dict[tuple[object, ...], list[FailureFacts]] = {}
    for f in doc.failures:
        key = (
            f.step,
            f.status,
            f.failure,
            f.detail,
            f.exit_status,
            f.attempt,
            f.stage,
            tuple(f.stderr),
            f.done,
        )
        alike.setdefault(key, []).append(f)
    for group in alike.values():
        f = group[0]
        at = f" at the {f.stage}" if f.stage in STAGES else ""  # a strategy's: what ran
        what = f.status + at + (f": {f.failure}" if f.failure else "")
        exit_status = f", {_exit_said(f)}" if f.exit_status is not None else ""
        # runs of numbered names as their first and last: 117 hosts made one heading of
        # 117 names (helper-138); the JSON export names each
        hosts = host_runs([g.host for g in group])
        hosts += f" ({len(group)} hosts)" if len(group) > 2 else ""
        lines += [
            f"### {cell(hosts)} · {cell(f.step_title)}",
            "",
            f"- **Result:** {cell(what)}{exit_status} (attempt {f.attempt})",
            f"- **Detail:** {cell(f.detail or '–')}",
            f"- **What was done:** {cell(f.done)}",
        ]
        lines += _output(group)
        if f.stderr:
            alike_note = " (the same on each)" if len(group) > 1 else ""
            lines += [f"- **Last {len(f.stderr)} line(s) of stderr{alike_note}:**", ""]
            lines += _fence(f.stderr, "text", "  ")
        else:
            lines.append("- **stderr:** nothing recorded")
        lines.append("")
    return lines


def _exit_said(f: FailureFacts) -> str:
    """`exit status 122: nothing changed there, its transaction rolled back`: the number
    with what it means where its record says (exit_said's words, in the result's detail:
    the console's rows and a headless run's lines read them), else the number alone (a
    journal older than the words, an abort's detail)."""
    said = f"exit status {f.exit_status}"
    return f.detail if f.detail and f.detail.startswith(f"{said}: ") else said


def _output(group: list[FailureFacts]) -> list[str]:
    """How far the failed stage got, in its last lines of output: the same on each host
    of the group, or said to differ (each host's is in the appendix)."""
    outputs = {tuple(f.stdout) for f in group}
    if len(outputs) > 1:
        return ["- **Last output:** differs by host (each one's is in the appendix)"]
    (last,) = outputs
    if not last:
        return []
    alike_note = " (the same on each)" if len(group) > 1 else ""
    return [
        f"- **Last {len(last)} line(s) of its output{alike_note}:**",
        "",
        *_fence(list(last), "text", "  "),
    ]


def notifications(doc: Document) -> list[str]:
    lines = ["## Notifications", ""]
    if not doc.notifications:
        return [*lines, "No notification was sent.", ""]
    lines += ["| Date and time (UTC) | Channel | Severity | Message as sent | Result |"]
    lines.append("|---|---|---|---|---|")
    for n in doc.notifications:
        channel = f"{n.channel} ({n.kind})" if n.kind and n.kind != n.channel else n.channel
        lines.append(
            f"| {utc(n.at)} | {cell(channel or '–')} | {cell(n.severity or '–')}"
            f" | {cell(n.text)} | {cell(n.result)} |"
        )
    return [*lines, ""]


def _rows(rows: list[TimelineRow]) -> list[str]:
    lines = ["| Date and time (UTC) | Who | What | Where |", "|---|---|---|---|"]
    for row in rows:
        star = "★ " if row.starred else ""
        lines.append(
            f"| {row.at:%Y-%m-%d %H:%M:%S} | {cell(row.who)} | {star}{cell(row.what)}"
            f" | {cell(row.where)} |"
        )
    return [*lines, ""]


def timeline(doc: Document) -> list[str]:
    t = doc.timeline
    if t.view == "starred only":
        said = f"Only the starred events: {len(t.rows)} of {t.events}."
    else:
        said = (
            "Key events; what the hosts did is condensed to one row per step and wave."
            " Every event is in the appendix."
        )
    if not t.rows:
        return ["## Timeline", "", said, "", "No event to show.", ""]
    return ["## Timeline", "", said, "", *_rows(t.rows)]


def text_section(
    title: str, value: Callable[[Document], str | None]
) -> Callable[[Document], list[str]]:
    def section(doc: Document) -> list[str]:
        return [f"## {title}", "", inert(value(doc) or "") or NOT_YET, ""]

    return section


def action_items(doc: Document) -> list[str]:
    items = doc.review.action_items
    if not items:
        return ["## Action items", "", "_No action item recorded yet._", ""]
    lines = ["## Action items", "", "| Action | Type | Owner | Priority | Due | Ticket |"]
    lines.append("|---|---|---|---|---|---|")
    for i in items:
        owner = cell(i.owner) if i.owner else "**no owner**"
        lines.append(
            f"| {cell(i.action)} | {i.type.value} | {owner} | {cell(i.priority or '–')}"
            f" | {i.due or '–'} | {cell(i.ticket or '–')} |"
        )
    return [*lines, ""]


def lessons(doc: Document) -> list[str]:
    lessons = doc.review.lessons
    lines = ["## Lessons learned", ""]
    for title, text in (
        ("What went well", lessons.went_well),
        ("What went wrong", lessons.went_wrong),
        ("Where we got lucky", lessons.got_lucky),
    ):
        lines += [f"### {title}", "", inert(text or "") or NOT_YET, ""]
    if lessons.notes:
        lines += ["### Notes", "", inert(lessons.notes), ""]
    return lines


def change_history(doc: Document) -> list[str]:
    lines = ["## Change history", ""]
    if not doc.history:
        return [*lines, "Nothing recorded.", ""]
    lines += ["| Date and time (UTC) | Who | What |", "|---|---|---|"]
    lines += [f"| {h.at:%Y-%m-%d %H:%M:%S} | {cell(h.who)} | {cell(h.what)} |" for h in doc.history]
    return [*lines, ""]


def appendix(events: list[Event], state: IncidentState) -> list[str]:
    return ["## Appendix: every event", "", *_rows(every_event(events, state))]
