"""Probe readings as text: value, threshold, state as symbol and word, streak, sparkline."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from console.engine.probe_report import threshold_text
from console.engine.watcher import Reading
from console.model.visible import clip
from console.model.watch import sample_text
from console.ui.palette import themed
from console.ui.widgets.plain import plain

STATES = {
    "healthy": ("✔", "$success"),
    "bad": ("✘", "bold $error"),
    "firing": ("▲", "bold reverse $error"),
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


class ProbeTable(DataTable):
    """Every watched probe, one row each, updated in place from the watcher's readings."""

    def on_mount(self) -> None:
        for name in COLUMNS:
            self.add_column(plain(name), key=name)
        self.cursor_type = "row"
        self._rows: dict[str, tuple] = {}

    def show_readings(self, readings: dict[str, Reading]) -> None:
        for key, reading in readings.items():
            row = reading_row(reading)
            if key not in self._rows:
                self.add_row(*row, key=key)
            elif self._rows[key] != row:
                for column, value in zip(COLUMNS, row, strict=True):
                    if value != self._rows[key][COLUMNS.index(column)]:
                        self.update_cell(key, column, value, update_width=True)
            self._rows[key] = row
