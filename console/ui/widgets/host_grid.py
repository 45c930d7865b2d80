"""The per-host grid: a line-rendered table in which a changed row redraws only itself."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.strip import Strip

from console.model.visible import visible
from console.ui.widgets.cursor_view import CursorView
from console.ui.widgets.one_line import distinct_cuts, middle_cut
from console.ui.widgets.pass_style import StyledOncePerPass
from console.ui.widgets.repeated_rows import RepeatedRows

Cell = str | Text
GAP = 2
# Cells the last column ("Last line") keeps before the column folded into it gives way.
LAST_MIN = 24
INDENT = "  "  # a folded row's last cell under the failure its group's first row says


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


class HostGrid(StyledOncePerPass, RepeatedRows, CursorView):
    """Rows keyed by host under a sticky header. At 200 hosts streaming output, a
    DataTable re-rendered every visible cell on any update (~50 ms a frame); here an
    updated row costs one line, and each row's rendering is cached until it changes."""

    DEFAULT_CSS = """
    HostGrid > .host-grid--header { background: $panel; color: $foreground; text-style: bold; }
    """
    COMPONENT_CLASSES = {"host-grid--header"}
    HEADER = 1

    class Highlighted(Message):
        """The cursor is on another host (None: on none, the grid is empty)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    def __init__(
        self,
        columns: tuple[str, ...],
        fold: int | None = None,
        squeeze: dict[int, int] | None = None,
        **kwargs,
    ):
        """`fold`: a column said in the last one instead (before its text) whenever the
        line is too narrow for the last to keep LAST_MIN cells: at 80 columns a "connection
        refused" in the failure column left the last line 3 cells. `squeeze`: columns
        (before the fold) that give way in turn, each down to the cells given, cut in the
        middle, when the others would not fit beside them: 40-character host and system
        names pushed the status off the line."""
        super().__init__(**kwargs)
        self.columns = columns
        self.fold = fold
        self.squeeze = squeeze or {}
        self.widths = [cell_len(c) for c in columns]  # grow only, until clear()
        self.keys: list[str] = []
        self.rows: dict[str, tuple[Cell, ...]] = {}
        self._index: dict[str, int] = {}
        self._cache: dict[str, tuple[tuple, Strip]] = {}
        # each squeezed column's names as cut at a width, apart from one another
        self._cuts: dict[tuple[int, int], dict[str, str]] = {}
        self._announced: str | None = None  # the host the screen was last told of

    # -- the data ------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.keys)

    @property
    def cursor_key(self) -> str | None:
        return self.keys[self.cursor] if self.keys else None

    def get_cell(self, key: str, column: str) -> Cell:
        return self.rows[key][self.columns.index(column)]

    def clear(self) -> None:
        self.keys.clear()
        self.rows.clear()
        self._index.clear()
        self._cache.clear()
        self._cuts.clear()
        self.cursor = 0
        self.widths = [cell_len(c) for c in self.columns]
        self._resized()
        self.refresh()
        self._announce()

    def set_row(self, key: str, values: tuple[Cell, ...]) -> None:
        """Add or change a row (see `set_rows`)."""
        self.set_rows([(key, values)])

    def set_rows(
        self, rows: Iterable[tuple[str, tuple[Cell, ...]]], rank: dict[str, int] | None = None
    ) -> None:
        """Add or change rows; only their lines are redrawn unless a column grows, and
        the scroll range is set once for all the rows added (once a row, the 200 hosts'
        first rows took ~28 ms). A text cell may come from a host: it is shown on one
        line, its control characters escaped (a Text cell is the caller's own, styled)."""
        added = grew = renamed = False
        changed: list[str] = []
        for key, cells in rows:
            values = tuple(visible(v, one_line=True) if isinstance(v, str) else v for v in cells)
            before = self.rows.get(key)
            if before == values:
                continue
            renamed = renamed or before is None or any(before[i] != values[i] for i in self.squeeze)
            if key not in self.rows:
                self._index[key] = len(self.keys)
                self.keys.append(key)
                added = True
            self.rows[key] = values
            grew = self._grow(values) or grew
            changed.append(key)
        if renamed and self._cuts:  # a name now cut alike may be cut apart from it
            self._cuts.clear()
            grew = True
        if added and rank and self._out_of_order(rank):
            self._reorder(rank)
            return
        if added:
            self._resized()
            self._announce()
        if grew:
            self._cache.clear()
            self.refresh()
            return
        for key in changed:  # and the row under it: whether it says its failure again
            self.refresh_lines(self._index[key] + 1, 2)

    def _out_of_order(self, rank: dict[str, int]) -> bool:
        ranks = [rank.get(k, len(rank)) for k in self.keys]
        return any(a > b for a, b in pairwise(ranks))

    def _reorder(self, rank: dict[str, int]) -> None:
        """Rows back in `rank`'s order (a row added again went last: with "problems only"
        on, a host retried left the grid while it ran and came back at its foot); the
        cursor stays on its host."""
        current = self.cursor_key
        self.keys.sort(key=lambda k: rank.get(k, len(rank)))
        self._index = {k: i for i, k in enumerate(self.keys)}
        self._resized()
        self._cache.clear()
        self.refresh()
        if current is not None:
            self.cursor = self._index[current]
        self._announce()

    def remove_row(self, key: str) -> None:
        """Drop a row; the cursor stays on the same host if it is still shown."""
        if key not in self.rows:
            return
        current = self.cursor_key
        del self.rows[key]
        self._cache.pop(key, None)
        self._cuts.clear()  # (the others' cuts, still apart, need not change)
        self.keys.remove(key)
        self._index = {k: i for i, k in enumerate(self.keys)}
        self._resized()
        self.refresh()
        if current is not None and current != key:
            self.cursor = self._index[current]
        else:
            self.move_to(min(self.cursor, len(self.keys) - 1))
        self._announce()  # the cursor's row went: the same place is another host's now

    def _announce(self) -> None:
        """Tell the screen when the host under the cursor changed, however it did (the
        row under it removed, the grid emptied): it went on showing the output of a host
        "problems only" had hidden."""
        if self.cursor_key != self._announced:
            self._announced = self.cursor_key
            self.post_message(self.Highlighted(self._announced))

    def _grow(self, values: tuple[Cell, ...]) -> bool:
        grew = False
        for i, value in enumerate(values[:-1]):  # the last column takes what is left
            width = cell_len(value.plain if isinstance(value, Text) else value)
            if width > self.widths[i]:
                self.widths[i] = width
                grew = True
        return grew

    # -- the cursor ------------------------------------------------------------------

    def move_to_key(self, key: str) -> None:
        if key in self._index:
            self.move_to(self._index[key])

    def cursor_moved(self, before: int) -> None:
        self.refresh_lines(before + 1)
        self.refresh_lines(self.cursor + 1)
        self._announce()

    def on_resize(self) -> None:
        self._cache.clear()
        super().on_resize()

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    on_blur = on_focus

    # -- rendering ---------------------------------------------------------------------

    def _repeated_from(self) -> int:
        """The rows below the last host's are blank (RepeatedRows)."""
        return max(self.HEADER, len(self.keys) - round(self.scroll_y) + self.HEADER)

    def _folded(self, width: int) -> bool:
        """Whether the fold column is said in the last one at this width."""
        if self.fold is None:
            return False
        return width - 1 - sum(w + GAP for w in self.widths[:-1]) < LAST_MIN

    def _shown(
        self, values: tuple[Cell, ...], folded: bool, joint: str = ": ", lead: bool = True
    ) -> tuple[Cell, ...]:
        """`values` as laid out: folded, the fold column's text leads the last cell
        (unless the last already says it: "connection refused by 127.0.0.1:2201"), once
        for rows that say the same one after the other (`lead`: this row is the first of
        them on screen); the others' last cells are indented under it instead."""
        if not folded or self.fold is None:
            return values
        said, last = values[self.fold], values[-1]
        said_text = said if isinstance(said, Text) else Text(said)
        last_text = last if isinstance(last, Text) else Text(last)
        if said_text.plain and said_text.plain.lower() not in last_text.plain.lower():
            if lead:
                last_text = Text.assemble(said_text, joint if last_text.plain else "", last_text)
            else:
                last_text = Text.assemble(INDENT, last_text)
        kept = values[: self.fold] + values[self.fold + 1 : -1]
        return (*kept, last_text)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        folded = self._folded(width)
        if y == 0:
            style = self.rich_style + self.get_component_rich_style("host-grid--header")
            header = self._shown(tuple(self.columns), folded, joint=" / ")
            return self._strip(header, width, style, None)
        index = round(self.scroll_y) + y - 1
        if index >= len(self.keys):
            return Strip.blank(width, self.rich_style)
        key = self.keys[index]
        kind = "cursor" if index == self.cursor else "odd" if index % 2 else "even"
        values = self.rows[key]
        lead = y == 1 or not folded or not self._says_as_above(index)
        stamp = (values, width, kind, lead)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        base = self.rich_style
        if kind == "odd":
            base += self.get_component_rich_style("cursor-view--odd")
        # The cursor's colours win over a cell's own, so a red word stays readable on it.
        over = self.get_component_rich_style("cursor-view--cursor") if kind == "cursor" else None
        strip = self._strip(self._shown(values, folded, lead=lead), width, base, over)
        self._cache[key] = (stamp, strip)
        return strip

    def _fitted(self, width: int, folded: bool) -> list[int]:
        """The columns' widths at `width`: the squeezed ones narrowed in turn, none below
        its floor, until every other column, and LAST_MIN cells of the last, fit on the
        line (the status is never pushed off it by a long name)."""
        widths = list(self.widths)
        if folded and self.fold is not None:  # folded: one fewer
            del widths[self.fold]
        over = sum(w + GAP for w in widths[:-1]) - (width - 1 - LAST_MIN)
        for i, floor in self.squeeze.items():
            if over <= 0:
                break
            given = min(over, max(0, widths[i] - floor))
            widths[i] -= given
            over -= given
        return widths

    def _cut(self, column: int, cells: int, text: str) -> str:
        """A squeezed column's `text` in `cells` cells: cut in the middle, and apart from
        every other row's (two hosts that differ mid-name never read alike)."""
        if cell_len(text) <= cells:
            return text
        cuts = self._cuts.get((column, cells))
        if cuts is None:
            texts = (row[column] for row in self.rows.values())
            names = {strip_control_codes(t) for t in texts if isinstance(t, str)}
            cuts = self._cuts[column, cells] = distinct_cuts(names, cells)
        return cuts.get(text) or middle_cut(text, cells)

    def _says_as_above(self, index: int) -> bool:
        """Whether the row above `index` has the same text in the fold column: a fleet's
        failures, 118 rows of `non-zero exit: exit status 1`, say it once a group."""
        if index < 1 or self.fold is None:
            return False
        above, here = self.rows[self.keys[index - 1]], self.rows[self.keys[index]]
        return _plain(above[self.fold]) == _plain(here[self.fold])

    def _strip(
        self, values: tuple[Cell, ...], width: int, style: Style, over: Style | None
    ) -> Strip:
        line = Text(" ", no_wrap=True, overflow="ellipsis")
        last = len(values) - 1
        widths = self._fitted(width, folded=len(values) < len(self.widths))
        for i, value in enumerate(values):
            if i in self.squeeze and isinstance(value, str):
                value = self._cut(i, widths[i], strip_control_codes(value))
            if isinstance(value, str):
                # A plain cell is appended padded, with the gap, as one string: the same
                # Text as a cell made, padded and appended, at a third of the cost (the
                # 43 rows a frame redraws as 200 hosts stream: bench/RESULTS.md).
                plain = strip_control_codes(value)  # as Text does
                room = 0 if i == last else widths[i] - cell_len(plain)
                if room >= 0:
                    line.append(plain if i == last else f"{plain}{' ' * (room + GAP)}")
                    continue
            cell = value if isinstance(value, Text) else Text(value)
            if i < len(values) - 1:
                cell = cell.copy()
                cell.truncate(widths[i], pad=True)
                line.append_text(cell)
                line.append(" " * GAP)
            else:
                line.append_text(cell)
        line.truncate(width, overflow="ellipsis")
        segments = list(line.render(self.app.console, end=""))
        styled = Segment.apply_style(segments, style, over)
        line_style = style + over if over else style
        return Strip(styled).crop_extend(0, width, line_style)
