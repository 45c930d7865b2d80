"""A screen whose layout pass is not followed by a second one that changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import messages
from textual._time import get_time
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

if TYPE_CHECKING:
    _Mixin = Screen
else:
    # A mixin, not a Screen at run time: Textual inherits CSS along each class's first base
    # that is a widget, which must stay the screen mixed into.
    _Mixin = object


def _flags(widget: Widget) -> tuple[bool, bool, bool, bool]:
    return (
        widget._layout_required,
        widget._repaint_required,
        widget.show_vertical_scrollbar,
        widget.show_horizontal_scrollbar,
    )


def _with_scrollbars(widgets: list[Widget]) -> list[Widget]:
    """`widgets` and the scrollbars they have made (not children in the DOM)."""
    bars = [w._vertical_scrollbar for w in widgets] + [w._horizontal_scrollbar for w in widgets]
    return widgets + [bar for bar in bars if bar is not None]


class SettledLayout(_Mixin):
    """Textual (8.2.8, pinned) lays a screen out again after each full layout pass: every
    widget placed or resized by the pass has its virtual size set, which asks for a
    layout (and a repaint), and a widget's request made before the pass arrives after it
    as a message. At a step's start that second pass was 15-20 ms of the UI thread's CPU
    at 200x50 (bench/RESULTS.md). Here a pass settles what it asked of itself, for each
    widget whose scrollbars it did not show or hide (those need the next pass): a layout
    it asked for (any widget's, in the screen's first pass, which arranges every one from
    scratch), and a repaint it asked for if it redrew the widget's region (any widget's
    it placed, in the first pass). A Layout message older than the last full pass is
    dropped (that pass used the arrangement it asked for), and an Update message older
    than the first pass (which drew every widget it placed). Mixed in first."""

    _laid_out_at = -1.0  # when the last full layout pass began (Textual's clock)
    _first_laid_out_at = -1.0  # when the first one began

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if scroll and not self._layout_widgets:  # Textual's scroll path: no arranging
            super()._refresh_layout(size, scroll)
            return
        first = self._laid_out_at < 0  # every widget arranged from scratch
        shown = self.is_current  # what the pass placed anew is drawn only on the top screen
        began = get_time()
        before = {
            w: _flags(w) for w in _with_scrollbars(self.walk_children(Widget, with_self=True))
        }
        placed = dict(self._compositor._full_map)
        super()._refresh_layout(size, scroll)
        self._laid_out_at = began
        if first and shown:
            self._first_laid_out_at = began
        now = self._compositor._full_map
        for widget, (layout, repaint, vertical, horizontal) in before.items():
            if (widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar) != (
                vertical,
                horizontal,
            ):
                continue  # its scrollbars came or went: the next pass makes room for them
            if first or not layout:
                widget._layout_required = False
            drawn = shown and widget in now and now[widget] != placed.get(widget)
            if drawn and (first or not repaint):
                widget._repaint_required = False

    async def _on_layout(self, message: messages.Layout) -> None:
        if message.time < self._laid_out_at:
            message.stop()
            message.prevent_default()  # Textual's own handler would ask for another pass

    async def _on_update(self, message: messages.Update) -> None:
        if message.time < self._first_laid_out_at:  # drawn by the first pass, from scratch
            message.stop()
            message.prevent_default()
