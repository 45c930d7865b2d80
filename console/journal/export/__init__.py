"""Exporters: the rollback document, rendered from events only, byte-for-byte repeatable.
What hosts printed is in it with every control character escaped (the journal keeps the
bytes; the JSON export keeps them as JSON escapes), so a document is safe to `cat`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from console.model.events import Event
from console.model.visible import json_visible, visible


class Exporter(Protocol):
    """(events, starred only) -> the document; `total`: how many events the incident
    holds when `events` leaves out some the document does not read."""

    def __call__(self, events: list[Event], starred: bool, total: int | None = None, /) -> str: ...


# Each renderer (the document's ~30 pydantic models) is imported when a format renders:
# a module that needs `inert` or `reading` only, the console's drills screen among them,
# does not pay for it (issue 18, the demo's first frame).
def _markdown(events: list[Event], starred: bool, total: int | None = None) -> str:
    from console.journal.export.markdown import render_markdown

    return visible(render_markdown(events, starred_only=starred, total=total))


def _json(events: list[Event], starred: bool, total: int | None = None) -> str:
    from console.journal.export.json_export import write_json

    assert total is None or total == len(events)  # it lists every event
    # Escaped part by part, as the command line's export does: one regex over a whole
    # 100,000-event document held the interpreter's lock ~0.3 s, stalling the export
    # screen's UI loop while its worker thread rendered (issue 18).
    parts: list[str] = []
    write_json(lambda: events, lambda text: parts.append(json_visible(text)), starred)
    return "".join(parts)


def _node(events: list[Event], starred: bool, total: int | None = None) -> str:
    from console.journal.export.node import render_node

    return visible(render_node(events, starred_only=starred, total=total))


@dataclass(frozen=True)
class ExportFormat:
    """One `export --format`: how it is rendered, and how the export screen offers it."""

    name: str
    title: str  # in the export screen's list
    file_name: str  # the screen's default, in the incident's directory
    render: Exporter


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "markdown",
            "Markdown",
            "rollback.md",
            _markdown,
        ),
        ExportFormat(
            "json",
            "JSON",
            "rollback.json",
            _json,
        ),
        ExportFormat(
            "node",
            "Node",
            "rollback-node.md",
            _node,
        ),
    )
}
