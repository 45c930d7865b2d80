"""Probe readings as text: value, threshold, state as symbol and word, streak, sparkline."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from console.engine.probe_report import threshold_text
from console.engine.reading import Reading
from console.model.probe_text import sample_text
from console.model.visible import clip
from console.ui.palette import themed
from console.ui.widgets.one_line import distinct_cuts
from console.ui.widgets.plain import plain

STATES = {
    "healthy": ("✔", "$success"),
    "bad": ("✘", "bold $error"),
    "firing": ("▲", "bold reverse $error"),
    "blind": ("?", "bold $warning"),
    "inconclusive": ("?", "bold $warning"),
    "not sampled": ("·", "dim"),
}
COLUMNS = ("System", "Probe", "Value", "Threshold", "State", "Streak", "Recent")
SPARK_WIDTH = 8
LABEL_WIDTH = 14


def state_text(state: str, width: int = 0) -> Text:
    """`✘ bad` as Rich text: symbol and word, never colour alone."""
    symbol, style = STATES.get(state, ("?", ""))
    return Text(f"{symbol} {state}".ljust(width), style=themed(style))


def reading_row(reading: Reading) -> tuple:
    """A probe's row; its value is whatever the hosts printed, so every cell is plain."""
    return (
        plain(reading.system),
        plain(clip(reading.probe.label, LABEL_WIDTH)),
        plain(sample_text(reading.probe, reading.last)),
        plain(threshold_text(reading, short=True)),
        state_text(reading.state),
        plain(reading.streak or "–"),
        Text(reading.spark(SPARK_WIDTH), style=themed("$primary")),
    )


def cut_titles(readings: dict[str, Reading]) -> str:
    """`Accepting con… is “Accepting connections” (db)`: each probe title the table cuts,
    whole, in the table's order; "" when none is cut. Seen at 80x24: 'Rollback targ…' with
    the whole title nowhere on the home screen."""
    cut = dict.fromkeys(
        (r.probe.label, r.system) for r in readings.values() if len(r.probe.label) > LABEL_WIDTH
    )
    return " · ".join(f"{clip(t, LABEL_WIDTH)} is “{t}” ({system})" for t, system in cut)


VALUE_PARTS = " · "  # `117/118 ok · 1 unreachable`: the parts a narrow table stacks
SCROLLBAR = 2  # the table's own vertical scrollbar, when its rows outgrow it


def height(row: tuple) -> int:
    """How many lines a row's tallest cell takes."""
    return max(len(cell.plain.split("\n")) if isinstance(cell, Text) else 1 for cell in row)


def _width(cell: object) -> int:
    text = cell.plain if isinstance(cell, Text) else str(cell)
    return max(cell_len(line) for line in text.split("\n"))


@dataclass(frozen=True)
class Layout:
    """Which columns a table shows, and whether a value's parts are stacked."""

    columns: tuple[str, ...] = COLUMNS
    stacked: bool = False

    def shape(self, row: tuple) -> tuple:
        cells = dict(zip(COLUMNS, row, strict=True))
        value = cells["Value"]
        if self.stacked and isinstance(value, Text) and VALUE_PARTS in value.plain:
            first, *rest = value.plain.split(VALUE_PARTS)
            cells["Value"] = Text("\n").join([Text(first), *(Text("· " + p) for p in rest)])
        return tuple(cells[name] for name in self.columns)

    def width(self, rows: list[tuple], padding: int = 1) -> int:
        """The columns' room: each as wide as its header or its widest line, padded."""
        shaped = [self.shape(row) for row in rows]
        return sum(
            max([cell_len(name), *(_width(row[index]) for row in shaped)]) + 2 * padding
            for index, name in enumerate(self.columns)
        )


LAYOUTS = (Layout(), Layout(stacked=True), Layout(COLUMNS[:-1], stacked=True))


def fit(rows: list[tuple], room: int) -> Layout:
    """The first layout whose rows fit `room` columns (the last one, at worst)."""
    for layout in LAYOUTS:
        if layout.width(rows) + SCROLLBAR <= room:
            return layout
    return LAYOUTS[-1]


SYSTEM_CELLS = 12  # the least a system's name is cut to, where the rows would not fit


def _systems_cut(rows: dict[str, tuple], readings: dict[str, Reading], room: int) -> dict:
    """The rows with their systems' names cut, alike ones where they differ, only where even
    the narrowest layout would not fit: at 80 columns two systems of 38 characters
    (`payments-ledger-reconciliation-eu-west`) left the State column at `✔ he`, Streak and
    Recent off the edge."""
    over = LAYOUTS[-1].width(list(rows.values())) + SCROLLBAR - room
    if over <= 0:
        return rows
    names = {r.system for r in readings.values()}
    cells = max(SYSTEM_CELLS, max(map(cell_len, names)) - over)
    cuts = distinct_cuts(names, cells)
    return {k: (plain(cuts[readings[k].system]), *row[1:]) for k, row in rows.items()}


class ProbeTable(DataTable):
    """Every watched probe, one row each, updated in place from the watcher's readings.

    Everything fits the table's width without scrolling sideways: where the rows would
    not, a value's parts (`117/118 ok · 1 unreachable`) go one under the other, then the
    sparkline (Recent, the least needed) goes."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self._readings: dict[str, Reading] = {}
        self._layout: Layout | None = None
        self._rows: dict[str, tuple] = {}

    def on_resize(self) -> None:
        if self._readings:
            self.show_readings(self._readings)

    def show_readings(self, readings: dict[str, Reading]) -> None:
        self._readings = dict(readings)
        room = self.size.width or self.app.size.width
        full = _systems_cut({key: reading_row(r) for key, r in readings.items()}, readings, room)
        layout = fit(list(full.values()), room)
        rows = {key: layout.shape(row) for key, row in full.items()}
        if layout != self._layout or any(
            key in self._rows and height(row) != height(self._rows[key])
            for key, row in rows.items()
        ):
            self._rebuild(layout)
        for key, row in rows.items():
            if key not in self._rows:
                self.add_row(*row, key=key, height=height(row))
            elif self._rows[key] != row:
                for column, value, old in zip(layout.columns, row, self._rows[key], strict=True):
                    if value != old:
                        self.update_cell(key, column, value, update_width=True)
            self._rows[key] = row

    def _rebuild(self, layout: Layout) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        self._rows = {}
        self._layout = layout
        for name in layout.columns:
            self.add_column(plain(name), key=name)
        self.call_after_refresh(self.move_cursor, row=cursor)
