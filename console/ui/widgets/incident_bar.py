"""The persistent incident line and the screen tabs, on top of every incident screen."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.widget import Widget

from console.model.state import IncidentState
from console.model.visible import visible
from console.ui.incident_screens import SCREENS
from console.ui.palette import themed
from console.ui.widgets.one_line import fit

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp


def elapsed_text(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class IncidentBar(Widget):
    """DRILL, incident id, elapsed time, outcome, trigger and phase; then one tab per
    screen."""

    if TYPE_CHECKING:
        app = getters.app(IncidentApp)

    DEFAULT_CSS = """
    IncidentBar {
        height: 2;
        background: $panel;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, active: str = "", **kwargs):
        super().__init__(**kwargs)
        self.active = active

    def on_mount(self) -> None:
        self.set_interval(1.0, self.refresh)

    def _facts(self, state: IncidentState) -> Text:
        app = self.app
        line = Text(no_wrap=True, overflow="ellipsis")
        if state.drill:
            line.append(" DRILL ", style=themed("bold reverse $accent"))
            line.append(" ")
        line.append(f" {visible(state.incident_id or 'no incident', one_line=True)}", style="bold")
        # The clock and the outcome before the words: on a narrow terminal the line is
        # cut at the end (app CSS), never wrapped over the tabs.
        if state.opened_at:
            end = state.closed_at or app.clock.now()
            line.append(" │ ", style="dim")
            line.append(elapsed_text(end - state.opened_at), style="bold")
        if state.closed:
            # a failed drill says so first: its rollback may well read "verified"
            failed = "DRILL FAILED; " if state.drill and _drill_failed(state) else ""
            said = visible(state.outcome_label, one_line=True)
            line.append(f" ■ closed: {failed}{said}", style="bold")
        if state.commander:
            line.append(" │ ", style="dim")
            commander = visible(state.commander, one_line=True)
            line.append(f"commander {commander}", style=themed("bold $secondary"))
        trigger = state.trigger.label if state.trigger else "no trigger declared"
        if state.drill and state.faults and not (state.trigger or state.closed):
            trigger = "awaits its trigger from the probes"  # up to a minute: not hung
        trigger = visible(trigger, one_line=True)  # a followed journal's, as written
        line.append(" │ ", style="dim")
        line.append(trigger, style=themed("$error"))
        line.append(" │ ", style="dim")
        line.append(app.phase_title(), style=themed("$primary"))
        return line

    def _tabs(self) -> Text:
        tabs = Text(no_wrap=True, overflow="ellipsis")
        for row in SCREENS:
            key, label = self.app.key_label(row.binding_id), row.label
            style = themed("bold reverse $primary") if row.name == self.active else ""
            tabs.append(" ")
            tabs.append(f" {key} ", style=style or themed("bold $accent"))
            tabs.append(f"{label} ", style=style)
        return tabs

    def render(self) -> Text:
        conductor = getattr(self.app, "conductor", None)
        if conductor is None:
            return Text(" no incident open")
        width = self.content_size.width
        return Text("\n").join([fit(self._facts(conductor.state), width), fit(self._tabs(), width)])


def _drill_failed(state: IncidentState) -> bool:
    from console.journal.results import drill_failed  # drills only: not on the way to start

    return drill_failed(state)
