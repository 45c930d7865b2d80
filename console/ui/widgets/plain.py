"""Text a widget shows as it is: no Rich markup obeyed, no control character sent."""

from __future__ import annotations

import re

from rich.text import Text

from console.model.visible import visible


def plain(value: object, style: str = "", *, one_line: bool = True) -> Text:
    """`value` as Text, for a table cell or a label: a string from a host (or a
    journal) may hold `[bold]` or an escape sequence, and means neither."""
    return Text(visible(value, one_line=one_line), style=style)


def prose(value: str) -> Text:
    """A description from the configuration or a preset: `code` spans in bold without
    their backticks (unless they do not pair up), no markup obeyed, no control sent."""
    shown = visible(value, one_line=False)
    if shown.count("`") % 2:
        return Text(shown)
    text = Text()
    for index, part in enumerate(shown.split("`")):
        text.append(part, style="bold" if index % 2 else "")
    return text


_FIGURE = re.compile(r"(\d) %")


def figures(text: str) -> str:
    """`held at 5 %` as `held at 5%`: recorded words, said on a screen that wraps them,
    where a figure and its unit must never be split over two lines (Textual breaks at
    any space, a non-breaking one too)."""
    return _FIGURE.sub(r"\1%", text)
