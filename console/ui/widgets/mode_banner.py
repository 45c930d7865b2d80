"""A banner under the incident bar: the app's word on what needs attention, or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.widgets import Input, Static

from console.ui.widgets.one_line import fit

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp


class ModeBanner(Static):
    """Shows `app.banner()` (resume: unknown hosts; follow: read-only and who drives)."""

    if TYPE_CHECKING:
        app = getters.app(IncidentApp)

    DEFAULT_CSS = """
    ModeBanner {
        height: auto;
        max-height: 4;  /* a closed incident's verify by hand: its command on 2-3 lines */
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
        """Each line fitted to the width at a word: nothing is cut mid-word."""
        width = self.content_size.width
        lines = getattr(self, "_banner", Text()).split("\n")
        return Text("\n").join(fit(line, width) for line in lines)
