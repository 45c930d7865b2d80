"""The incident as a context-network node, in the format of the team's procedure notes."""

from __future__ import annotations

import re
from datetime import datetime

from console.journal.export.markdown import render_markdown
from console.model.events import Event, Kind
from console.model.procedure import FormField
from console.model.state import fold

PARENT = "[[delivery/rollback-procedures]]"


def _demote(markdown: str) -> str:
    """Nest the document under the node's Content heading: '# X' becomes '### X'."""
    return re.sub(r"^(#{1,4}) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", markdown, flags=re.M)


def _date(ts: datetime) -> str:
    return f"{ts.month}/{ts.day}/{ts.year}"


def render_node(events: list[Event], starred_only: bool = False) -> str:
    state = fold(events)
    title = state.title or state.incident_id or "Rollback"
    opened = state.opened_at
    last = events[-1].ts if events else opened
    trigger = state.trigger.label if state.trigger else "no trigger declared"
    out = [
        f"# Rollback record: {title}",
        "",
        "## Purpose",
        f"This node records the rollback of {', '.join(state.systems) or 'no system'}"
        f" in incident {state.incident_id}, triggered by: {trigger}."
        + (" It was a drill." if state.drill else ""),
        "",
        "## Classification",
        "- **Domain:** Process",
        "- **Stability:** Static",
        "- **Abstraction:** Concrete",
        "- **Confidence:** Established" if state.outcome else "- **Confidence:** Evolving",
        "",
        "## Content",
        "",
        _demote(render_markdown(events, starred_only=starred_only)).rstrip(),
        "",
        "## Relationships",
        f"- **Parent Node:** {PARENT}",
        "- **Related Nodes:**",
    ]
    out += [
        f"  - [[systems/{s}]] - rolled-back - System affected by this rollback"
        for s in state.systems
    ]
    if state.strategy:
        out.append(
            f"  - [[strategies/{state.strategy}]] - executed - Strategy used to restore service"
        )
    updates = state.fields.get(FormField.PROCEDURE_UPDATES.value, "").strip()
    out += [
        "",
        "## Navigation Guidance",
        "- **Access Context:** Reference when planning a retry or reviewing rollbacks",
        "- **Common Next Steps:** Apply the procedure updates, then schedule the retry",
        "- **Related Tasks:** Root cause analysis, remediation, procedure update",
        "- **Update Patterns:** "
        + (
            f"Procedure updates proposed: {updates}"
            if updates
            else "Updated when the retry happens"
        ),
        "",
        "## Metadata",
        f"- **Created:** {_date(opened) if opened else '–'}",
        f"- **Last Updated:** {_date(last) if last else '–'}",
        f"- **Updated By:** rollback-console ({state.opened_by or 'unknown'})",
        "",
        "## Change History",
    ]
    for event in events:
        if event.kind in (Kind.INCIDENT_OPENED, Kind.INCIDENT_RESUMED, Kind.INCIDENT_CLOSED):
            verb = event.kind.split(".")[1]
            extra = f": {event.data['outcome']}" if event.data.get("outcome") else ""
            out.append(f"- {_date(event.ts)}: Incident {verb} by {event.who.user}{extra}")
    return "\n".join(out).rstrip() + "\n"
