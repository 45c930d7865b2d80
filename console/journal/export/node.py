"""The incident as a context-network node, in the layout of the team's procedure notes
(`rollback-procedures.md`): Purpose, Classification, Content, Relationships, Navigation
Guidance, Metadata, Change History (with every amendment after the close)."""

from __future__ import annotations

import re
from datetime import datetime

from console.journal.export.document import build_document
from console.journal.export.inert import cell
from console.journal.export.markdown import render_markdown
from console.model.events import Event

PROCEDURE = "[[delivery/rollback-procedures]]"


def _demote(markdown: str) -> str:
    """Nest the document under the node's Content heading: '# X' becomes '### X'; a
    line inside a fenced block (a command, a host's stderr) is left as it is."""
    lines, fence = [], ""
    for line in markdown.split("\n"):
        opening = re.match(r"\s*(`{3,})", line)
        if fence:
            fence = "" if opening and opening.group(1) == fence and line.strip() == fence else fence
        elif opening:
            fence = opening.group(1)
        else:
            line = re.sub(r"^(#{1,4}) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", line)
        lines.append(line)
    return "\n".join(lines)


def _date(ts: datetime) -> str:
    return f"{ts.month}/{ts.day}/{ts.year}"


def render_node(events: list[Event], starred_only: bool = False, total: int | None = None) -> str:
    doc = build_document(events, starred_only, total)
    s = doc.summary
    systems = ", ".join(s.systems) or "no system"
    trigger = cell(doc.trigger.label) if doc.trigger else "no trigger declared"
    monitoring = (
        "The monitoring alert that fired: " + cell(doc.trigger.label)
        if doc.trigger and doc.trigger.automatic
        else "Monitoring the rollback was verified against"
    )
    out = [
        f"# Rollback record: {cell(doc.title)}",
        "",
        "## Purpose",
        f"This node records the rollback of {systems} in incident {s.incident}, triggered"
        f" by: {trigger}." + (" It was a drill." if s.drill else ""),
        "",
        "## Classification",
        "- **Domain:** Process",
        "- **Stability:** Static" if s.status == "final" else "- **Stability:** Dynamic",
        "- **Abstraction:** Concrete",
        "- **Confidence:** Established" if s.outcome else "- **Confidence:** Evolving",
        "",
        "## Content",
        "",
        _demote(
            render_markdown(events, starred_only=starred_only, history=False, total=total)
        ).rstrip(),
        "",
        "## Relationships",
        f"- **Parent Node:** {PROCEDURE}",
        "- **Related Nodes:**",
        "  - [[delivery/execution]] - triggered-by - The delivery whose execution this"
        " rollback reversed",
        f"  - [[delivery/monitoring]] - initiated-by - {monitoring}",
        f"  - {PROCEDURE} - follows - The procedure this rollback walked",
    ]
    out += [
        f"  - [[systems/{system}]] - rolled-back - System affected by this rollback"
        for system in s.systems
    ]
    if s.strategy:
        out.append(f"  - [[strategies/{s.strategy}]] - executed - Strategy used to restore service")
    updates = doc.review.procedure_updates
    last = doc.history[-1] if doc.history else None
    out += [
        "",
        "## Navigation Guidance",
        "- **Access Context:** Reference when planning a retry or reviewing rollbacks",
        "- **Common Next Steps:** Apply the procedure updates, then schedule the retry",
        "- **Related Tasks:** Root cause analysis, remediation, procedure update",
        "- **Update Patterns:** "
        + (
            f"Procedure updates proposed: {cell(updates)}"
            if updates
            else "Updated when the retry happens"
        ),
        "",
        "## Metadata",
        f"- **Created:** {_date(s.opened) if s.opened else '–'}",
        f"- **Last Updated:** {_date(last.at) if last else '–'}",
        f"- **Updated By:** rollback-console ({cell(last.who) if last else 'unknown'})",
        "",
        "## Change History",
    ]
    out += [
        f"- {_date(h.at)}: {cell(h.what[0].upper() + h.what[1:])} ({cell(h.who)})"
        for h in doc.history
    ]
    return "\n".join(out).rstrip() + "\n"
