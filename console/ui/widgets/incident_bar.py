"""The persistent incident line and the screen tabs, on top of every incident screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from rich.cells import cell_len
from rich.text import Text
from textual import getters
from textual.app import App
from textual.widget import Widget

from console.model.state import IncidentState
from console.model.visible import visible
from console.ui.incident_screens import SCREENS
from console.ui.palette import themed
from console.ui.widgets.one_line import fit

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp


# The facts in the order they are read, and the order they are kept in when the line is
# too narrow for all of them (the first kept longest): a drill, the outcome, the clock,
# where the procedure stands, on what, who leads, then the id (what `resume` and `follow`
# name), then why (the timeline and the document have it).
ORDER = ("drill", "id", "elapsed", "closed", "systems", "phase", "commander", "trigger")
PRIORITY = ("drill", "closed", "elapsed", "phase", "systems", "commander", "id", "trigger")
SEP = 3  # " │ "


def _width(facts: dict[str, Text], shown: list[str]) -> int:
    return 1 + sum(cell_len(facts[name].plain) for name in shown) + SEP * (len(shown) - 1)


def systems_text(systems: list[str], hosts: int, names: int = 3) -> str:
    """`web, api · 200 hosts`; past `names` systems, `web, api, db +4 · 900 hosts`."""
    more = f" +{len(systems) - names}" if len(systems) > names else ""
    return f"{', '.join(systems[:names])}{more} · {hosts} host{'s' if hosts != 1 else ''}"


def elapsed_text(delta: timedelta) -> str:
    """`1:04:05`, the seconds rounded as the document's Duration rounds them (cut, a
    closed incident read 0:04:59 on screen and 5 min 00 s in its document)."""
    seconds = max(0, round(delta.total_seconds()))
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
        self.ticking = self.set_interval(1.0, self.refresh)  # the elapsed time

    def _open_for(self, state: IncidentState) -> timedelta:
        """How long the open incident has been open: by the wall clock when the console
        first showed it, then on the monotonic clock (NTP stepping the wall clock forward
        an hour a minute into an incident, the header read 1:00:01 beside the document's
        minute). One reading for every screen's bar: a screen opened after the step
        read it again."""
        assert state.opened_at is not None
        clock, key = self.app.clock, (state.incident_id, state.opened_at)
        since = _SHOWN.get(self.app)
        if since is None or since[0] != key:
            since = _SHOWN[self.app] = (key, clock.now() - state.opened_at, clock.monotonic())
        _, then, mono = since
        return then + timedelta(seconds=clock.monotonic() - mono)

    def _facts(self, state: IncidentState, width: int = 0) -> Text:
        """The facts in `width` cells: when they do not all fit, the least needed go whole
        (PRIORITY), never cut mid-word; at 80 columns with 200 hosts the phase and the
        trigger were cut off the end, and the systems never said."""
        app = self.app
        facts: dict[str, Text] = {}
        if state.drill:
            facts["drill"] = Text(" DRILL ", style=themed("bold reverse $accent"))
        said = visible(state.incident_id or "no incident", one_line=True)
        facts["id"] = Text(said, style="bold")
        if (took := state.time_open()) is not None:  # as the document's Duration
            facts["elapsed"] = Text(elapsed_text(timedelta(seconds=took)), style="bold")
        elif state.opened_at:
            facts["elapsed"] = Text(elapsed_text(self._open_for(state)), style="bold")
        if state.closed:
            # a failed drill says so first: its rollback may well read "verified"
            failed = "DRILL FAILED; " if state.drill and _drill_failed(state) else ""
            outcome = visible(state.outcome_label, one_line=True)
            facts["closed"] = Text(f"■ closed: {failed}{outcome}", style="bold")
        if state.systems:
            facts["systems"] = Text(systems_text(state.systems, len(state.hosts)))
        trigger = state.trigger.label if state.trigger else "no trigger declared"
        keep: tuple[str, ...] = PRIORITY
        if state.drill and state.faults and not (state.trigger or state.closed):
            trigger = "awaits its trigger from the probes"  # up to a minute: not hung
            keep = ("drill", "trigger", *(name for name in PRIORITY[1:] if name != "trigger"))
        facts["phase"] = Text(app.phase_title(), style=themed("$primary"))
        if state.commander:
            commander = visible(state.commander, one_line=True)
            facts["commander"] = Text(f"commander {commander}", style=themed("bold $secondary"))
        # a followed journal's, as written
        facts["trigger"] = Text(visible(trigger, one_line=True), style=themed("$error"))
        shown = [name for name in ORDER if name in facts and facts[name].plain]
        # the first fact after DRILL stays, cut at the end if it must be: a failed drill's
        # outcome ran past 80 columns and went whole, the bar reading ` DRILL` alone
        floor = 2 if "drill" in shown else 1
        while width and len(shown) > floor and _width(facts, shown) > width:
            shown.remove(max(shown, key=keep.index))
        line = Text(" ", no_wrap=True, overflow="ellipsis")
        for i, name in enumerate(shown):
            if i and not (name == "id" and shown[i - 1] == "drill"):
                line.append(" │ ", style="dim")
            elif i:
                line.append(" ")
            line.append_text(facts[name])
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
        facts = self._facts(conductor.state, width)
        return Text("\n").join([fit(facts, width), fit(self._tabs(), width)])


# Each console's open incident, how long it was open and the monotonic clock when first shown.
_SHOWN: WeakKeyDictionary[App, tuple[tuple[str | None, datetime], timedelta, float]] = (
    WeakKeyDictionary()
)


def _drill_failed(state: IncidentState) -> bool:
    from console.journal.results import drill_failed  # drills only: not on the way to start

    return drill_failed(state)
