"""Exporters: the rollback document, rendered from events only, byte-for-byte repeatable.
What hosts printed is in it with every control character escaped (the journal keeps the
bytes; the JSON export keeps them as JSON escapes), so a document is safe to `cat`."""

from collections.abc import Callable
from dataclasses import dataclass

from console.journal.export.json_export import render_json
from console.journal.export.markdown import render_markdown
from console.journal.export.node import render_node
from console.model.events import Event
from console.model.visible import json_visible, visible

Exporter = Callable[[list[Event], bool], str]  # (events, starred only) -> the document


@dataclass(frozen=True)
class ExportFormat:
    """One `export --format`: how it is rendered, and how the export screen offers it."""

    name: str
    title: str  # in the export screen's list
    file_name: str  # the screen's default, in the incident's directory
    render: Exporter
    markdown: bool = True  # the screen previews it as Markdown, else as plain text


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "markdown",
            "Markdown",
            "rollback.md",
            lambda events, starred: visible(render_markdown(events, starred_only=starred)),
        ),
        ExportFormat(
            "json",
            "JSON",
            "rollback.json",
            lambda events, starred: json_visible(render_json(events, starred)),
            markdown=False,
        ),
        ExportFormat(
            "node",
            "Node",
            "rollback-node.md",
            lambda events, starred: visible(render_node(events, starred_only=starred)),
        ),
    )
}
