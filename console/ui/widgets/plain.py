"""Text a widget shows as it is: no Rich markup obeyed, no control character sent."""

from __future__ import annotations

from rich.text import Text

from console.model.visible import visible


def plain(value: object, style: str = "", *, one_line: bool = True) -> Text:
    """`value` as Text, for a table cell or a label: a string from a host (or a
    journal) may hold `[bold]` or an escape sequence, and means neither."""
    return Text(visible(value, one_line=one_line), style=style)
