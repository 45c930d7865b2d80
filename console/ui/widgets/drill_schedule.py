"""The test schedule on the home screen: per system and cadence, the last drill, its
result and recovery, the next due date, and OK / DUE / OVERDUE (overdue in the alert
colour, the theme's). Without a schedule, the last drills run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.widgets import DataTable

from console.journal.drills import read_drills, uncounted
from console.journal.times import duration
from console.model.drill_schedule import DrillRun, Standing, SystemCadence, schedule_status
from console.model.drills import OUTCOME_TITLES
from console.ui.palette import themed
from console.ui.widgets.plain import plain

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

# The standing first: on a narrow box the columns at the end are the ones cut.
COLUMNS = ("System", "Cadence", "State", "Next due", "Last drill", "Recovery")
STANDING_STYLES = {
    Standing.OK: ("✔ ok", "$success"),
    Standing.DUE: ("◆ DUE", "bold $warning"),
    Standing.OVERDUE: ("▲ OVERDUE", "bold reverse $error"),  # the alert's colour
}
RECENT_SHOWN = 3
WORST_FIRST = (Standing.OVERDUE, Standing.DUE, Standing.OK)


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "–"


def _last(run: DrillRun | None) -> Text:
    if run is None:
        return Text("never", style="dim")
    mark, style = ("✔", "$success") if run.passed else ("✘", "bold $error")
    return Text(f"{_day(run.at)} {mark}", style=themed(style))


def standing_text(standing: Standing) -> Text:
    """OK / DUE / OVERDUE in the theme's colour for it."""
    word, style = STANDING_STYLES[standing]
    return Text(word, style=themed(style))


def schedule_row(s: SystemCadence) -> tuple:
    recovery = s.recovery
    took = duration(recovery.seconds) if recovery and recovery.seconds is not None else "–"
    return (
        plain(s.system),
        plain(s.entry.short_label),
        standing_text(s.standing),
        plain(_day(s.next_due) if s.next_due else "now"),
        _last(s.last),
        plain(took),
    )


# Without a schedule, the last drills: each row its own (two of a scenario read alike,
# "db-restore  2026-12-05 ✘  –", when only the day said when): the time to the second,
# the scenario, the verdict and how the rollback ended, the recovery.
RECENT_COLUMNS = ("When (UTC)", "Drill", "Result", "Outcome", "Recovery")
TITLED = {o.value: title for o, title in OUTCOME_TITLES.items()}  # as the journal has it


def recent_row(run: DrillRun) -> tuple[Text, ...]:
    took = ", ".join(
        f"{system} {duration(r.seconds)}"
        for system, r in run.recovery.items()
        if r.seconds is not None
    )
    mark, style = ("✔ passed", "$success") if run.passed else ("✘ failed", "bold $error")
    return (
        plain(f"{run.at:%m-%d %H:%M:%S}"),  # to the second: two drills a minute apart differ
        plain(run.scenario or "ad hoc"),
        Text(mark, style=themed(style)),
        plain(TITLED.get(run.outcome, run.outcome)),
        plain(took or "–"),
    )


class DrillSchedule(DataTable):
    """Where each system stands on its drill cadences, from the journals on this host."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.refresh_schedule()

    overdue = 0  # cadences OVERDUE at the last refresh
    due = 0  # and DUE
    uncounted = 0  # drills not counted then: journals unreadable, passes dated ahead

    def refresh_schedule(self) -> None:
        app = self.app
        runs, unreadable = read_drills(app.engine.journal_root)
        self.uncounted = len(uncounted(unreadable, runs, app.clock.now()))
        drills = app.settings.drills
        if drills.schedule:
            status = schedule_status(drills, runs, app.clock.now())
            # the worst first: at 80x24 the box shows a few rows, and an OVERDUE one
            # below them read as all fine
            shown = sorted(status, key=lambda s: WORST_FIRST.index(s.standing))
            self._fill(COLUMNS, [schedule_row(s) for s in shown])
            self.overdue = sum(1 for s in status if s.standing is Standing.OVERDUE)
            self.due = sum(1 for s in status if s.standing is Standing.DUE)
            return
        self._fill(RECENT_COLUMNS, [recent_row(run) for run in reversed(runs[-RECENT_SHOWN:])])

    def _fill(self, columns: tuple[str, ...], rows: Sequence[tuple[Text, ...]]) -> None:
        """Columns as wide as what they hold, given up front: a DataTable measures new
        rows only when idle, and a frame painted before that keeps the header's widths."""
        self.clear(columns=True)
        for index, name in enumerate(columns):
            width = max([len(name), *(row[index].cell_len for row in rows)])
            self.add_column(plain(name), width=width)
        for row in rows:
            self.add_row(*row)
