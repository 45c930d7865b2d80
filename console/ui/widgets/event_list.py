"""A virtual list of events: only the rows on screen are ever read and rendered."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

from rich.segment import Segment
from rich.text import Text
from textual.message import Message
from textual.strip import Strip

from console.model.events import Event
from console.ui.widgets.cursor_view import CursorView

RowFormat = Callable[[Event, int], Text]
Fetch = Callable[[int], Event]  # an event by its index in the incident's log


class EventList(CursorView):
    """Events as one-line rows with a cursor; 100,000 rows cost what 40 do. A row is its
    event's index (8 bytes): the event is fetched only while its row is on screen."""

    class Moved(Message):
        """The cursor moved to another row."""

    def __init__(self, format_row: RowFormat, fetch: Fetch, **kwargs):
        super().__init__(**kwargs)
        self.format_row = format_row
        self.fetch = fetch
        self.rows = array("q")

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def at_end(self) -> bool:
        return not self.rows or self.cursor >= len(self.rows) - 1

    def selected(self) -> Event | None:
        return self.fetch(self.rows[self.cursor]) if self.rows else None

    def set_rows(self, rows: Iterable[int]) -> None:
        """Replace every row; the cursor goes to the last one."""
        self.rows = array("q", rows)
        self._resized()
        self.move_to(-1)

    def extend(self, rows: Iterable[int]) -> None:
        """Add rows at the bottom; the cursor follows if it was on the last row."""
        follow = self.at_end
        self.rows.extend(rows)
        self._resized()
        if follow:
            self.move_to(-1)
        else:
            self.refresh()

    def cursor_moved(self, before: int) -> None:
        self.refresh()
        self.post_message(self.Moved())

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        if index == self.cursor:
            style = self.rich_style + self.get_component_rich_style("cursor-view--cursor")
        elif index % 2:
            style = self.rich_style + self.get_component_rich_style("cursor-view--odd")
        else:
            style = self.rich_style
        text = self.format_row(self.fetch(self.rows[index]), width)
        segments = list(text.render(self.app.console, end=""))
        strip = Strip(Segment.apply_style(segments, style))
        return strip.crop_extend(0, width, style)
