"""Home: probes live, the systems, incidents to resume, drills, and any firing trigger."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from console.journal.describe import utc
from console.model.visible import visible
from console.ui.messages import WatchChanged
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.alert import alert_text
from console.ui.widgets.drill_schedule import DrillSchedule
from console.ui.widgets.plain import plain
from console.ui.widgets.probe_table import ProbeTable

if TYPE_CHECKING:
    from console.ui.app import RollbackApp


def _strategies(names: list[str]) -> str:
    if len(names) <= 2:
        return ", ".join(names) or "–"
    return f"{', '.join(names[:2])} +{len(names) - 2}"


class HomeScreen(Screen):
    """Start a new incident, take up a firing trigger, or resume one from its journal."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("n", "new", "New incident", id="home.new"),
        Binding("p", "propose", "Take up trigger", id="home.propose"),
        Binding("x", "cancel_countdown", "Cancel countdown…", id="home.cancel"),
        Binding("r", "resume", "Resume selected", id="home.resume"),
        Binding("d", "drills", "Drills", id="home.drills"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            " rollback-console  ·  roll a bad delivery back, and keep the record", id="home-title"
        )
        with VerticalScroll(id="home-body"):
            yield Label("Press N to declare a new incident.", id="home-hint")
            yield Static("", id="alert")
            with Horizontal(id="home-top"):
                with Vertical(id="probes-box"):
                    yield Label("Probes (live)", classes="section-title")
                    yield ProbeTable(id="probes", zebra_stripes=True)
                with Vertical(id="systems-box"):
                    yield Label("Systems", classes="section-title")
                    yield DataTable(id="systems", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="home-bottom"):
                with Vertical(id="incidents-box"):
                    yield Label("Incidents on this jump host", classes="section-title")
                    yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
                    yield Label("", id="no-incidents", classes="muted")
                with Vertical(id="drills-box"):
                    yield Label("Drill schedule", classes="section-title")
                    yield DrillSchedule(id="drills")
        yield Footer()

    def on_mount(self) -> None:
        systems = self.query_one("#systems", DataTable)
        systems.add_columns("System", "Hosts", "Strategies", "RTO")
        for system in self.app.settings.inventory.systems:
            systems.add_row(
                plain(system.name),
                str(len(system.hosts)),
                plain(_strategies(system.strategies)),
                f"{system.rto_minutes:g} min" if system.rto_minutes else "–",
                key=system.name,
            )
        self.refresh_incidents()
        self.refresh_watch()
        self.set_interval(0.5, self._tick)

    def on_screen_resume(self) -> None:
        self.refresh_incidents()
        self.refresh_watch()

    def on_watch_changed(self, message: WatchChanged) -> None:
        self.refresh_watch()
        if message.whats & {"countdown.ended", "countdown.cancelled"}:
            self.refresh_incidents()

    def _tick(self) -> None:
        if self.app.live.countdown is not None:
            self._alert()

    def refresh_watch(self) -> None:
        readings = self.app.live.watcher.readings
        table = self.query_one("#probes", ProbeTable)
        table.show_readings(readings)
        table.display = bool(readings)
        self._alert()
        self.refresh_bindings()

    def _alert(self) -> None:
        live = self.app.live
        banner = self.query_one("#alert", Static)
        countdown = live.countdown
        firing = countdown.firing if countdown else live.alert
        banner.display = firing is not None
        if firing is None:
            return
        remaining = 0.0
        if countdown is not None:
            remaining = (countdown.deadline - live.watcher.clock.now()).total_seconds()
        others = [f for f in live.watcher.firings.values() if f.trigger is not firing.trigger]
        banner.update(alert_text(firing, countdown, remaining, others))
        banner.set_class(countdown is not None, "-countdown")

    def refresh_incidents(self) -> None:
        table = self.query_one("#incidents", DataTable)
        if not table.columns:
            # State before the title: at 80 columns the last column is the one cut short.
            table.add_columns("Incident", "State", "Opened", "Title")
        table.clear()
        found = self.app.engine.incidents()
        for summary in found:
            state = summary.outcome or "open"
            if summary.drill:
                state += " (drill)"
            table.add_row(  # what a journal holds is shown, never obeyed
                plain(summary.incident_id),
                plain(state),
                utc(summary.opened_at) if summary.opened_at else "–",
                plain(textwrap.shorten(visible(summary.title), 40, placeholder=" …")),
                key=str(summary.path),
            )
        hint = "" if found else "No incidents yet. Press N to declare one."
        self.query_one("#no-incidents", Label).update(hint)
        table.display = bool(found)
        schedule = self.query_one(DrillSchedule)
        schedule.refresh_schedule()
        prompt = Text("Press N to declare a new incident.")
        if schedule.overdue:
            prompt.append(
                f"  ▲ {schedule.overdue} drill(s) OVERDUE · D",
                style="bold #ef6b6b",  # the alert's colour
            )
        self.query_one("#home-hint", Label).update(prompt)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        live = self.app.live
        if action == "propose":
            return live.alert is not None and live.countdown is None
        if action == "cancel_countdown":
            return live.countdown is not None
        return True

    def action_new(self) -> None:
        self.app.push_screen(TriggerScreen())

    def action_drills(self) -> None:
        from console.ui.screens.drills import DrillsScreen

        self.app.push_screen(DrillsScreen())

    def action_propose(self) -> None:
        firing = self.app.live.alert
        if firing is None:
            self.notify("No automatic trigger is firing.")
            return
        self.app.push_screen(TriggerScreen(firing=firing))

    def action_cancel_countdown(self) -> None:
        from console.ui.screens.dialogs import TextPrompt

        live = self.app.live
        if live.countdown is None:
            self.notify("No countdown is running.")
            return

        def cancelled(reason: str | None) -> None:
            if not reason:
                return
            error = live.cancel(reason)
            if error:
                self.notify(error, title="Not cancelled", severity="error")
            else:
                self.notify("Countdown cancelled; the reason is journalled.", title="Cancelled")
            self.refresh_watch()

        self.app.push_screen(
            TextPrompt(
                "Cancel the automatic rollback",
                "The procedure will not start by itself. Say why: it goes into the record.",
                "Cancel reason",
                required=True,
                danger=True,
            ),
            cancelled,
        )

    def action_resume(self) -> None:
        table = self.query_one("#incidents", DataTable)
        if not table.row_count:
            self.notify("There is no incident to resume. Press N to declare one.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.resume_incident(Path(str(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "incidents":
            self.action_resume()
        elif event.data_table.id == "systems":
            self.action_new()
