"""The execution screen's output: Textual's Log, that neither lays the screen out nor
renders a line again as it grows and scrolls."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widgets import Log

from console.ui.widgets.pass_style import StyledOncePerPass
from console.ui.widgets.repeated_rows import RepeatedRows
from console.ui.widgets.virtual_size import SteadyScrollbars, resize_in_place

# Rendered lines kept: a screen's worth many times over, so that scrolling back hits.
CACHED_LINES = 1024


class OutputLog(StyledOncePerPass, RepeatedRows, SteadyScrollbars, Log):
    """Log's lines, rendered once each. In Textual's Log (8.2.8, pinned) every write
    sets the virtual size, a layout pass of the whole screen (20-45 ms at 200 hosts
    streaming), and starts a thread to measure the new lines' widths; and its line cache
    is filled only while text is selected, so each frame the output scrolled rendered
    every visible line anew (bench/RESULTS.md). Here the scroll range is updated in
    place, a line's rendering is kept under its number since the last clear (pruning
    shifts no key), and lines are cut at the width: no horizontal scrolling (app.tcss
    hides that overflow). Not highlighted."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pruned = 0  # lines dropped from the top since the last clear
        self._strips: LRUCache[int, Strip] = LRUCache(CACHED_LINES)

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> OutputLog:
        at_end = self.is_vertical_scroll_end
        auto_scroll = self.auto_scroll if scroll_end is None else scroll_end
        new_lines = [part for line in lines for part in line.splitlines()]
        self._lines.extend(new_lines)
        pruned = self._pruned
        self._prune_max_lines()
        resize_in_place(self, Size(self._width, len(self._lines)))
        if auto_scroll and not self.is_vertical_scrollbar_grabbed and at_end:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        if self._pruned != pruned:  # what is shown moved up
            self.refresh()
        else:
            count = len(new_lines)
            self.refresh_lines(len(self._lines) - count, count)
        return self

    def _prune_max_lines(self) -> None:
        if self.max_lines is not None and len(self._lines) > self.max_lines:
            drop = len(self._lines) - self.max_lines
            del self._lines[:drop]
            self._pruned += drop

    @property
    def pruned(self) -> int:
        """Lines dropped from the top (over max_lines) since the last clear."""
        return self._pruned

    def clear(self) -> OutputLog:
        self._lines.clear()
        self._width = 0
        self._render_line_cache.clear()
        self._strips.clear()
        self._pruned = 0
        self._updates += 1
        self._clear_y = 0
        resize_in_place(self, Size(0, 0))
        self.refresh()
        return self

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        super().selection_updated(selection)

    def refresh_lines(self, y_start: int, line_count: int = 1) -> None:
        for y in range(y_start, y_start + line_count):
            self._strips.discard(y + self._pruned)
        super().refresh_lines(y_start, line_count)

    def _repeated_from(self) -> int:
        """The rows below the last line are blank (RepeatedRows)."""
        return max(0, len(self._lines) - self.scroll_offset.y)

    def _render_line_strip(self, y: int, rich_style: Style) -> Strip:
        """Line `y` of those kept, uncut, as Log renders it; Log's own rendering while
        text is selected (the selection is drawn in it)."""
        if self.text_selection is not None:
            return super()._render_line_strip(y, rich_style)
        key = y + self._pruned
        strip = self._strips.get(key)
        if strip is None:
            # The segment Rich renders for a plain line styled whole, without its cost.
            line = self._process_line(self._lines[y])
            segment = Segment(line, rich_style) if line else Segment("")
            strip = Strip([segment], cell_len(line))
            self._strips[key] = strip
        return strip
