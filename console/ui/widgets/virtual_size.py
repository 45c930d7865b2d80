"""A scroll view's virtual size, changed without laying the whole screen out; its
scrollbars, not redrawn by a layout pass that leaves it as it was, and drawn a row once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar

from console.ui.widgets.scrollbars import RowOnceScrollBar

if TYPE_CHECKING:
    _Mixin = ScrollView
else:
    # A mixin, not a widget at run time: Textual inherits CSS along each class's first
    # base that is a widget, which must stay the scroll view mixed into.
    _Mixin = object


def resize_in_place(view: ScrollView, size: Size) -> None:
    """Give `view` the virtual size `size`. Setting `virtual_size` lays the whole screen
    out again (Textual 8.2.8, pinned): ~18 ms at 200 hosts for the host grid, 20-45 ms
    with the output log re-rendered (bench/RESULTS.md). Only a view whose height follows
    its content needs that; otherwise the scroll range and the scrollbars are updated in
    place (a scrollbar that comes or goes still lays the screen out), and the caller
    redraws the lines that changed."""
    if view.styles.is_auto_height:
        view.virtual_size = size
        return
    if size != view.virtual_size:
        view.set_reactive(ScrollView.virtual_size, size)
        view._scroll_update(size)


class SteadyScrollbars(_Mixin):
    """A scroll view left as it was by a layout pass keeps its scrollbars as drawn. Textual's
    (8.2.8, pinned) compares the room its parent gives it with its own inner room, which
    differ, so every layout pass of the screen redraws both the host grid's and the output
    log's scrollbars and sends them a Resize: ~5 ms of CPU a pass at 200x50, in the turns
    after a step's start (bench/RESULTS.md). Mixed in first."""

    _laid_out: tuple[Size, Size] | None = None  # its size and its parent's room, last pass

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        if (size, container_size) == self._laid_out and size == self._size:
            return False
        self._laid_out = (size, container_size)
        return super()._size_updated(size, virtual_size, container_size, layout)

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's property, making a `RowOnceScrollBar` (console/ui/widgets/scrollbars.py)."""
        if self._vertical_scrollbar is None:
            bar = RowOnceScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar
