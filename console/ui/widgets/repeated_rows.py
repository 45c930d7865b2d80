"""Screens and containers drawn as one row repeated: their own area is a background and
maybe borders, and nearly all of it lies beneath their children."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.renderables.blank import Blank
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    _Mixin = Widget
else:
    # A mixin, not a Widget at run time: Textual inherits CSS and component classes along
    # each class's first base that is a widget, which must stay the widget mixed into.
    _Mixin = object


class RepeatedRows(_Mixin):
    """Textual (8.2.8, pinned) renders every row of every widget through its styles cache
    as the screen is first shown, the screen's and the containers' own rows beneath their
    children too: ~0.1 ms a row, ~10 ms of the execution screen's first show at 200x50
    (bench/RESULTS.md). When what the widget renders is a `Blank` (a container without a
    keyline, a screen of a solid colour) and it has no top or bottom padding, its rows
    between the first and the last are all the same row: that one is rendered once and
    repeated (the same `Strip`, so the compositor's division of it is cached too); the
    first and the last, which may hold borders, are rendered as they are. Mixed in first."""

    def render_lines(self, crop: Region) -> list[Strip]:
        padding = self.styles.padding
        if crop.height < 4 or padding.top or padding.bottom or not isinstance(self.render(), Blank):
            return super().render_lines(crop)
        x, width = crop.x, crop.width

        def row(y: int) -> Strip:
            return super(RepeatedRows, self).render_lines(Region(x, y, width, 1))[0]

        rows = [row(crop.y + 1)] * crop.height
        rows[0], rows[-1] = row(crop.y), row(crop.bottom - 1)
        return rows


class Row(RepeatedRows, Horizontal):
    """A `Horizontal` drawn as one row repeated (CSS for `Horizontal` applies)."""


class Column(RepeatedRows, Vertical):
    """A `Vertical` drawn as one row repeated (CSS for `Vertical` applies)."""
