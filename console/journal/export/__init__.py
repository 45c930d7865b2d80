"""Exporters: the rollback document, rendered from events only, byte-for-byte repeatable.
What hosts printed is in it with every control character escaped (the journal keeps the
bytes; the JSON export keeps them as JSON escapes), so a document is safe to `cat`."""

from collections.abc import Callable

from console.journal.export.json_export import render_json
from console.journal.export.markdown import render_markdown
from console.journal.export.node import render_node
from console.model.events import Event
from console.model.visible import json_visible, visible

Exporter = Callable[[list[Event], bool], str]

EXPORTERS: dict[str, Exporter] = {
    "markdown": lambda events, starred: visible(render_markdown(events, starred_only=starred)),
    "json": lambda events, starred: json_visible(render_json(events, starred)),
    "node": lambda events, starred: visible(render_node(events, starred_only=starred)),
}
