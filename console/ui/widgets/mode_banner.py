"""A banner under the incident bar: the app's word on what needs attention, or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.widgets import Input, Static

from console.ui.widgets.one_line import fit

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp

CONTINUED = "   --"  # a command's line after `\`: never cut, as the shell reads it
NOTE = "  ("  # what follows a command on its last line, said about it


class ModeBanner(Static):
    """Shows `app.banner()` (resume: unknown hosts; follow: read-only and who drives)."""

    if TYPE_CHECKING:
        app = getters.app(IncidentApp)

    DEFAULT_CSS = """
    ModeBanner {
        height: auto;
        max-height: 6;  /* a closed incident's verify by hand: its command on 2-5 lines */
        text-wrap: nowrap;
        text-overflow: ellipsis;
        background: $warning 25%;
        color: $foreground;
        display: none;
    }
    ModeBanner.-follow { background: $primary 30%; }
    """

    def on_mount(self) -> None:
        if getattr(self.app, "read_only", False):  # nothing typed can reach the journal
            for field in self.screen.query(Input):
                field.disabled = field.id != "timeline-filter"
        self.sync()

    def sync(self) -> None:
        text = self.app.banner()
        self.display = text is not None
        self.set_class(bool(getattr(self.app, "read_only", False)), "-follow")
        if text is not None:
            # Laid out again when its number of lines changes (height auto is measured
            # at layout: a close on F3 grew it to three lines and it stayed at two).
            lines = str(getattr(self, "_banner", "")).count("\n")
            self._banner = text
            self.refresh(layout=str(text).count("\n") != lines)

    def render(self) -> Text:
        """Each line fitted to the width at a word: nothing is cut mid-word; a command's
        line (a long `--config DIR`) is never cut: it goes on at the next line's start
        after a `\\`, as the shell joins it, and its note on a line of its own."""
        width = self.content_size.width
        lines = getattr(self, "_banner", Text()).split("\n")
        return Text("\n").join(part for line in lines for part in _fitted(line, width))


def _fitted(line: Text, width: int) -> list[Text]:
    if width <= len(CONTINUED) or not line.plain.startswith(CONTINUED) or len(line) <= width:
        return [fit(line, width)]
    note = line.plain.find(NOTE)
    command, said = (line[:note], line[note:]) if note > 0 else (line, Text())
    parts = []
    while len(command) > width:  # bounded: each turn takes width - 1 characters
        parts.append(command[: width - 1] + Text("\\", style="bold"))
        command = command[width - 1 :]
    if len(command) + len(said) <= width:
        return [*parts, command + said]
    return [*parts, command, fit(said, width)] if said else [*parts, command]
