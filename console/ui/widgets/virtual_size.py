"""A scroll view's virtual size, changed without laying the whole screen out."""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


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
