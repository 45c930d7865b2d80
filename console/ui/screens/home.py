"""Home: the systems this console can touch, and the incidents it can resume."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from console.journal.describe import utc
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen


def _strategies(names: list[str]) -> str:
    if len(names) <= 2:
        return ", ".join(names) or "–"
    return f"{', '.join(names[:2])} +{len(names) - 2}"


class HomeScreen(Screen):
    """Start a new incident, or resume one from its journal."""

    BINDINGS = [
        Binding("n", "new", "New incident", id="home.new"),
        Binding("r", "resume", "Resume selected", id="home.resume"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            " rollback-console  ·  roll a bad delivery back, and keep the record", id="home-title"
        )
        with Vertical(id="home-body"):
            yield Label("Press N to declare a new incident.", id="home-hint")
            yield Label("Systems", classes="section-title")
            yield DataTable(id="systems", cursor_type="row", zebra_stripes=True)
            yield Label("Incidents on this jump host", classes="section-title")
            yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
            yield Label("", id="no-incidents", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        systems = self.query_one("#systems", DataTable)
        systems.add_columns("System", "Hosts", "Tags", "Strategies", "RTO")
        for system in self.app.settings.inventory.systems:
            systems.add_row(
                system.name,
                str(len(system.hosts)),
                ", ".join(system.tags) or "–",
                _strategies(system.strategies),
                f"{system.rto_minutes:g} min" if system.rto_minutes else "–",
                key=system.name,
            )
        self.refresh_incidents()

    def on_screen_resume(self) -> None:
        self.refresh_incidents()

    def refresh_incidents(self) -> None:
        table = self.query_one("#incidents", DataTable)
        if not table.columns:
            table.add_columns("Incident", "Title", "Opened", "State")
        table.clear()
        found = self.app.engine.incidents()
        for summary in found:
            state = summary.outcome or "open"
            if summary.drill:
                state += " (drill)"
            table.add_row(
                summary.incident_id,
                summary.title[:40],
                utc(summary.opened_at) if summary.opened_at else "–",
                state,
                key=str(summary.path),
            )
        hint = "" if found else "No incidents yet. Press N to declare one."
        self.query_one("#no-incidents", Label).update(hint)
        table.display = bool(found)

    def action_new(self) -> None:
        self.app.push_screen(TriggerScreen())

    def action_resume(self) -> None:
        from pathlib import Path

        table = self.query_one("#incidents", DataTable)
        if not table.row_count:
            self.notify("There is no incident to resume. Press N to declare one.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        conductor = self.app.engine.resume(Path(str(key)))
        self.app.attach(conductor)
        state = conductor.state
        if state.trigger is None:
            self.app.push_screen(TriggerScreen())
        elif not state.hosts:
            self.app.push_screen(PickerScreen())
        else:
            self.app.push_screen("checklist")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "incidents":
            self.action_resume()
        else:
            self.action_new()
