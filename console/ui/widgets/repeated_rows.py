"""Rows that show the same content rendered once: a screen's and a container's own rows
(a background and maybe borders, nearly all of it beneath their children), and the blank
rows below a list's content."""

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
    """Textual (8.2.8, pinned) renders every row of a widget through its styles cache, ~0.1
    ms a row: as the screen is first shown, the screen's and the containers' own rows
    beneath their children too, ~10 ms of the execution screen's first show at 200x50, and
    the blank rows below the host grid's and the output log's content (bench/RESULTS.md).
    Where every row from `_repeated_from()` down to the last-but-one shows the same content
    and there is no top or bottom padding, those rows are the same row: it is rendered once
    and repeated (the same `Strip`, so the compositor's division of it is cached too); the
    first and the last row, which may hold borders, are rendered as they are. Mixed in
    first."""

    def _repeated_from(self) -> int | None:
        """The row from which every row down to the last-but-one shows the same content,
        or None: row 0 for what renders a `Blank` (a container without a keyline, a
        screen of a solid colour)."""
        return 0 if isinstance(self.render(), Blank) else None

    def render_lines(self, crop: Region) -> list[Strip]:
        padding = self.styles.padding
        first = None if padding.top or padding.bottom else self._repeated_from()
        if first is None:
            return super().render_lines(crop)
        start, end = max(first, crop.y + 1), crop.bottom - 1
        if end - start < 2:
            return super().render_lines(crop)
        head = super().render_lines(Region(crop.x, crop.y, crop.width, start - crop.y + 1))
        last = super().render_lines(Region(crop.x, end, crop.width, 1))
        return [*head, *[head[-1]] * (end - start - 1), *last]


class Row(RepeatedRows, Horizontal):
    """A `Horizontal` drawn as one row repeated (CSS for `Horizontal` applies)."""


class Column(RepeatedRows, Vertical):
    """A `Vertical` drawn as one row repeated (CSS for `Vertical` applies)."""
