"""A vertical scrollbar that renders each different row once: a bar is a few rows (the
track above the thumb, the thumb, its ends, the track below) repeated down its height."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


class RowOnceScrollBar(ScrollBar):
    """Textual's `ScrollBar` (8.2.8, pinned) is redrawn whenever its thumb moves or
    changes size (the output log's as lines come in, the host grid's as rows are added),
    and each of its rows goes through the styles cache: ~3 ms for the 44 rows of a
    200x50 terminal, every such frame (bench/RESULTS.md). A row's rendering depends only
    on its segment (the bar has no border, no padding), so each different segment is
    rendered once, as the row where it first appears, and shared by the rows that repeat
    it. The segments are the ones `ScrollBarRender` makes for that render, with the
    arguments its `__rich_console__` would give it."""

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self.render()
        if not (self.vertical and isinstance(bar, ScrollBarRender)):
            return super().render_lines(crop)
        style = bar.style
        if not isinstance(style, Style):
            return super().render_lines(crop)
        width, height = self.size
        segments = bar.render_bar(
            size=height,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=width,
            vertical=True,
            back_color=style.bgcolor or Color.parse("#555555"),
            bar_color=style.color or Color.parse("bright_magenta"),
        ).segments
        rows: dict[object, Strip] = {}
        strips = []
        for y in crop.line_range:
            key = segments[y] if y < len(segments) else None
            strip = rows.get(key)
            if strip is None:
                strip = rows[key] = super().render_lines(Region(crop.x, y, crop.width, 1))[0]
            strips.append(strip)
        return strips
