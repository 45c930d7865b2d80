"""Widgets whose every line asks for the widget's style: looked up once a rendering pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    _Mixin = Widget
else:
    # A mixin, not a Widget at run time: Textual inherits CSS and component classes along
    # each class's first base that is a widget, which must stay the widget mixed into.
    _Mixin = object


class StyledOncePerPass(_Mixin):
    """`rich_style` walks the ancestors' styles on every call (Textual 8.2.8, pinned), and a
    line-rendered widget asks for it once a line: 50 lines of the host grid and 43 of the
    output log each frame the output scrolls, ~12 % of such a frame at 200 hosts streaming
    (bench/RESULTS.md). During `render_lines` it is the value looked up at its start: no
    style changes within a pass. Mixed in first: `class View(StyledOncePerPass, Widget)`."""

    _pass_style: Style | None = None

    @property
    def rich_style(self) -> Style:
        style = self._pass_style
        return super().rich_style if style is None else style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None
