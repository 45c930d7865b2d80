"""Exporters: the rollback document, rendered from events only, byte-for-byte repeatable."""

from collections.abc import Callable

from console.journal.export.json_export import render_json
from console.journal.export.markdown import render_markdown
from console.journal.export.node import render_node
from console.model.events import Event

Exporter = Callable[[list[Event], bool], str]

EXPORTERS: dict[str, Exporter] = {
    "markdown": lambda events, starred_only: render_markdown(events, starred_only=starred_only),
    "json": lambda events, _starred_only: render_json(events),
    "node": lambda events, starred_only: render_node(events, starred_only=starred_only),
}
