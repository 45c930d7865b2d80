"""A line-rendered list with a row cursor: the keys, the mouse and scrolling into view."""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView

from console.ui.widgets.list_keys import list_bindings
from console.ui.widgets.virtual_size import SteadyScrollbars, resize_in_place


class CursorView(SteadyScrollbars, ScrollView, can_focus=True):
    """Rows under `HEADER` fixed lines; subclasses render lines and count rows."""

    DEFAULT_CSS = """
    CursorView { height: 1fr; overflow-x: hidden; }
    CursorView > .cursor-view--odd { background: $primary 10%; }
    CursorView > .cursor-view--cursor {
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    CursorView:focus > .cursor-view--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"cursor-view--odd", "cursor-view--cursor"}
    HEADER = 0
    BINDINGS = list_bindings(
        up="move(-1)",
        down="move(1)",
        page_up="page(-1)",
        page_down="page(1)",
        first="move_to(0)",
        last="move_to(-1)",
    )

    cursor = 0

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def cursor_moved(self, before: int) -> None:
        """The cursor went from `before` to `self.cursor` (redraw, tell the screen)."""

    def _resized(self) -> None:
        """The rows changed in number: so does the scroll range (without a layout pass:
        hosts' rows appear one by one, and 200 such passes a run were most of the
        execution screen's layouts, bench/RESULTS.md). The caller redraws the lines that
        changed."""
        resize_in_place(self, Size(self.size.width, self.row_count + self.HEADER))

    def move_to(self, row: int) -> None:
        """Put the cursor on `row` (negative counts from the end) and keep it in view."""
        count = self.row_count
        before = self.cursor
        if not count:
            self.cursor = 0
            self.cursor_moved(before)
            return
        self.cursor = max(0, min(count - 1, row if row >= 0 else count + row))
        self._keep_cursor_in_view()
        self.cursor_moved(before)

    def _keep_cursor_in_view(self) -> None:
        height = max(1, self.scrollable_content_region.height - self.HEADER)
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        self.move_to(max(0, self.cursor + delta))

    def action_page(self, pages: int) -> None:
        step = max(1, self.scrollable_content_region.height - self.HEADER - 1)
        self.move_to(max(0, self.cursor + pages * step))

    def action_move_to(self, row: int) -> None:
        self.move_to(row)

    def on_click(self, event: events.Click) -> None:
        if event.y >= self.HEADER:
            self.move_to(round(self.scroll_y) + event.y - self.HEADER)

    def on_resize(self) -> None:
        """A new size: the cursor stays in view (rows set before the first layout put
        it on the newest row while the view had no height yet)."""
        self._resized()
        self.call_after_refresh(self._keep_cursor_in_view)
