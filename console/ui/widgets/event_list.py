"""A virtual list of events: only the rows on screen are ever rendered."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.model.events import Event

RowFormat = Callable[[Event, int], Text]


class EventList(ScrollView, can_focus=True):
    """Events as one-line rows with a cursor; 100,000 rows cost what 40 do."""

    DEFAULT_CSS = """
    EventList { height: 1fr; overflow-x: hidden; }
    EventList > .event-list--odd { background: $primary 10%; }
    EventList > .event-list--cursor {
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    EventList:focus > .event-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"event-list--odd", "event-list--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
    ]

    class Moved(Message):
        """The cursor moved to another row."""

    def __init__(self, format_row: RowFormat, **kwargs):
        super().__init__(**kwargs)
        self.format_row = format_row
        self.rows: list[Event] = []
        self.cursor = 0

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def at_end(self) -> bool:
        return not self.rows or self.cursor >= len(self.rows) - 1

    def selected(self) -> Event | None:
        return self.rows[self.cursor] if self.rows else None

    def set_rows(self, rows: list[Event]) -> None:
        """Replace every row; the cursor goes to the last one."""
        self.rows = rows
        self._resized()
        self.move_to(-1)

    def extend(self, rows: Iterable[Event]) -> None:
        """Add rows at the bottom; the cursor follows if it was on the last row."""
        follow = self.at_end
        self.rows.extend(rows)
        self._resized()
        if follow:
            self.move_to(-1)
        else:
            self.refresh()

    def _resized(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))

    def move_to(self, row: int) -> None:
        """Put the cursor on `row` (negative counts from the end) and keep it in view."""
        if not self.rows:
            self.cursor = 0
            self.refresh()
            return
        self.cursor = max(0, min(len(self.rows) - 1, row if row >= 0 else len(self.rows) + row))
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Moved())

    def action_move(self, delta: int) -> None:
        self.move_to(max(0, self.cursor + delta))

    def action_page(self, pages: int) -> None:
        step = max(1, self.scrollable_content_region.height - 1)
        self.move_to(max(0, self.cursor + pages * step))

    def action_move_to(self, row: int) -> None:
        self.move_to(row)

    def on_click(self, event: events.Click) -> None:
        self.move_to(round(self.scroll_y) + event.y)

    def on_resize(self) -> None:
        self._resized()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        if index == self.cursor:
            style = self.rich_style + self.get_component_rich_style("event-list--cursor")
        elif index % 2:
            style = self.rich_style + self.get_component_rich_style("event-list--odd")
        else:
            style = self.rich_style
        text = self.format_row(self.rows[index], width)
        segments = list(text.render(self.app.console, end=""))
        strip = Strip(Segment.apply_style(segments, style))
        return strip.crop_extend(0, width, style)
