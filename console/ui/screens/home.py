"""Home: probes live, the systems, incidents to resume, drills, and any firing trigger."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from console.engine.listing import IncidentSummary
from console.ui.incidents_on_disk import LIST_EVERY, LOOK_EVERY, OnDisk, on_disk
from console.ui.messages import WatchChanged
from console.ui.screens.home_custody import custody_text
from console.ui.screens.home_hint import hint_text
from console.ui.widgets.alert import alert_text
from console.ui.widgets.drill_schedule import DrillSchedule
from console.ui.widgets.incident_rows import fill_incidents
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.plain import plain
from console.ui.widgets.probe_table import ProbeTable, cut_titles
from console.ui.widgets.systems_table import SystemsTable

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

WIDE_HOME = 160  # columns from which the home's tables go side by side
HOME_MARGINS = 4  # columns the home body leaves beside its tables, both sides together
# Said where an empty table would stand: what fills it, and where that is configured.
NO_PROBES = "None configured: [[systems.probes]] in inventory.toml watch each system."
NO_DRILLS = "No drills yet: [[schedule]] in drills.toml sets a cadence; {key} opens drills."


class IncidentsBox(Vertical):
    """The incidents' box: its titles are cut for its width, and again when that changes
    without the screen's (the home body's scrollbar, there or not as the first frames
    settle: the Title column was 2 cells wider or not, from one run to the next)."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, HomeScreen):
            screen.call_after_refresh(screen.refit_incidents)


class HomeScreen(Screen):
    """Start a new incident, take up a firing trigger, or resume one from its journal."""

    # Keys typed before it was drawn are its own (keys typed as the console starts): key_turns.py.
    TAKES_TYPE_AHEAD = True
    # Its tables side by side only where each still has its every column: at 120 columns
    # the incidents' outcome and age, the systems' RTO and the probes' trend were cut off.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_HOME, "-wide")]

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = (
        "home.new",
        "home.propose",
        "home.cancel",
        "watch.decide",
        "home.resume",
        "home.drills",
    )

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("n", "new", "New incident", id="home.new"),
        Binding("p", "propose", "Take up trigger", id="home.propose"),
        Binding("x", "cancel_countdown", "Cancel countdown…", id="home.cancel"),
        Binding("r", "resume", "Resume selected", id="home.resume"),
        Binding("f", "follow", "Follow selected (read-only)", id="home.follow"),
        Binding("d", "drills", "Drills", id="home.drills"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            " rollback-console  ·  roll a bad delivery back, and keep the record", id="home-title"
        )
        # Above the scrolling body: a firing trigger or a countdown is always in view.
        yield Static("", id="alert")
        # Above the body too: a drill DUE or OVERDUE, whatever the body is scrolled to (at
        # 80x24 the schedule is below the fold once a few incidents are listed).
        yield Label(
            f"Press {self.app.key_label('home.new')} to declare a new incident.", id="home-hint"
        )
        with VerticalScroll(id="home-body", can_focus=False):
            with Horizontal(id="home-top"):
                with Vertical(id="probes-box"):
                    yield Label("Probes (live)", classes="section-title")
                    yield ProbeTable(id="probes", zebra_stripes=True)
                    yield Label("", id="probe-cuts", classes="muted")  # titles cut, whole
                    yield Label(plain(NO_PROBES), id="no-probes", classes="muted")
                with Vertical(id="systems-box"):
                    yield Label("Systems", classes="section-title")
                    yield SystemsTable(id="systems", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="home-bottom"):
                with IncidentsBox(id="incidents-box"):
                    yield Label("Incidents on this jump host", classes="section-title")
                    yield DataTable(id="incidents", cursor_type="row", zebra_stripes=True)
                    yield Label("", id="no-incidents", classes="muted")
                    yield Static("", id="incident-custody")
                with Vertical(id="drills-box"):
                    yield Label("Drill schedule", classes="section-title")
                    yield DrillSchedule(id="drills")
                    yield Label(
                        plain(NO_DRILLS.format(key=self.app.key_label("home.drills"))),
                        id="no-drills",
                        classes="muted",
                    )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(SystemsTable).show_systems(self.app.settings.inventory.systems)
        self.refresh_incidents()
        self.refresh_watch()
        self.set_interval(0.5, self._tick)
        self.set_interval(LOOK_EVERY, self._look_at_incidents)
        self.call_after_refresh(self.refit_incidents)  # its first width was guessed before layout
        # Focus scrolls its table into view: the top (what to press first) stays shown.
        body = self.query_one("#home-body", VerticalScroll)
        self.call_after_refresh(body.scroll_home, animate=False)

    _shown = False
    _fitted = 0  # the incidents box's width the titles were cut for

    def refit_incidents(self) -> None:
        """Cut the titles again once the table's own width is known, or has changed (at
        120 columns it shares the row with the drill schedule: the outcome went off)."""
        width = self.query_one("#incidents-box").content_size.width
        if width and width != self._fitted:
            self.refresh_incidents()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._shown:
            # Pushed: it was filled and styled as it mounted, a moment ago. Not again
            # (Textual restyles every widget of a resumed screen: ~2 % of the demo's way
            # to its first frame, bench/RESULTS.md).
            self._shown = True
            event.refresh_styles = False
            return
        self.refresh_incidents()
        self.refresh_watch()

    def on_watch_changed(self, message: WatchChanged) -> None:
        self.refresh_watch()
        if message.whats & {"countdown.ended", "resolved"}:
            self.refresh_incidents()

    def _tick(self) -> None:
        if self.app.live.countdown is not None:
            self._alert()

    def refresh_watch(self) -> None:
        readings = self.app.live.watcher.readings
        table = self.query_one("#probes", ProbeTable)
        table.show_readings(readings)
        table.display = bool(readings)
        self.query_one("#no-probes", Label).display = not readings
        cuts = self.query_one("#probe-cuts", Label)
        cuts.update(plain(said := cut_titles(readings)))
        cuts.display = bool(said)
        self._alert()
        self.refresh_bindings()

    def _alert(self) -> None:
        live = self.app.live
        banner = self.query_one("#alert", Static)
        countdown = live.countdown
        proposal = live.proposal
        firing = countdown.firing if countdown else (proposal.firing if proposal else None)
        banner.display = firing is not None
        if firing is None:
            return
        remaining = countdown.remaining(live.watcher.clock) if countdown is not None else 0.0
        others = [p.firing for p in live.proposals if p.firing is not firing]
        drill = proposal.drill if proposal is not None and countdown is None else None
        left = proposal if proposal is not None and countdown is None else None
        since = live.declared_since(firing, self._found.values()) if left else None
        banner.update(
            alert_text(self.app, firing, countdown, remaining, others, drill, left, since)
        )
        banner.set_class(countdown is not None, "-countdown")

    _seen: OnDisk = ()
    _listed = 0.0  # when (monotonic) the list was last read

    def _look_at_incidents(self) -> None:
        """While shown: the list read again once its files changed (a teammate declared
        one, a console closed or let go of one), or LIST_EVERY seconds on. It was read as
        the screen opened and never again: a teammate's incident never showed up, a
        console's ended one still read running, an age stayed `<1 min`."""
        if self.is_current:
            self.run_worker(  # one that fails is tried again at the next look
                self._list_if_changed,
                thread=True,
                group="incidents",
                exclusive=True,
                exit_on_error=False,
            )

    def _list_if_changed(self) -> None:
        """In a thread: the files looked at, and the incidents listed if they changed."""
        engine = self.app.engine
        seen = on_disk(engine.journal_root, engine.locks.directory)
        drills = self.app.drills.read_again()  # the schedule as drills.toml has it now
        if seen == self._seen and not drills and time.monotonic() - self._listed < LIST_EVERY:
            return
        unlisted: list[str] = []
        found = engine.incidents(unlisted)
        self.app.call_from_thread(self.refresh_incidents, found, seen, unlisted)

    def refresh_incidents(
        self,
        found: list[IncidentSummary] | None = None,
        seen: OnDisk | None = None,
        unlisted: list[str] | None = None,
    ) -> None:
        """Each incident with its id, title, outcome and age; at 80 columns the title and
        the outcome are cut at a word, and no column is lost, scrollbar or not. The
        highlighted incident stays highlighted. `found`: listed already (`seen`: the
        files it was read from; `unlisted`: the journals it could not read, said)."""
        table = self.query_one("#incidents", DataTable)
        engine = self.app.engine
        if found is None:
            unlisted = []
            seen = on_disk(engine.journal_root, engine.locks.directory)
            found = engine.incidents(unlisted)
        self._seen, self._listed = seen or (), time.monotonic()
        was = self._highlighted()
        self._found = {str(s.path): s for s in found}
        # Not laid out yet as it mounts: the screen's width less the home body's margins
        # (`refit_incidents` cuts again once laid out).
        box = self.query_one("#incidents-box").content_size.width
        self._fitted = box
        width = box or self.app.size.width - HOME_MARGINS
        fill_incidents(table, found, width, self.app.clock.now())
        if was is not None and str(was.path) in self._found:
            table.move_cursor(row=table.get_row_index(str(was.path)), animate=False)
        hint = (
            ""
            if found
            else f"No incidents yet. Press {self.app.key_label('home.new')} to declare one."
        )
        left_out = (  # its path is longer than the screen is wide: `list` says it
            f"▲ {len(unlisted)} unreadable journal(s) not listed (rollback-console list says why)"
            if unlisted
            else ""
        )
        said = "\n".join(filter(None, (hint, left_out)))
        self.query_one("#no-incidents", Label).update(plain(said, one_line=False))
        table.display = bool(found)
        self._show_custody()
        schedule = self.query_one(DrillSchedule)
        schedule.refresh_schedule()
        schedule.display = bool(schedule.row_count)
        self.query_one("#no-drills", Label).display = not schedule.row_count
        self.query_one("#home-hint", Label).update(hint_text(self.app, schedule))

    _found: dict[str, IncidentSummary] = {}
    _refused: Path | None = None  # the journal of the last take or resume refused

    def _highlighted(self) -> IncidentSummary | None:
        table = self.query_one("#incidents", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._found.get(str(key))

    def _show_custody(self) -> None:
        """Under the list, for the highlighted incident when it is a teammate's, another
        process writes it, or nobody drives it, open: whose it is, who writes it (running
        or ended, since when), who holds its locks, how it was left open, and what this
        account may do with it."""
        summary = self._highlighted()
        custody = summary.custody if summary is not None else None
        left = summary is not None and summary.ended is not None  # open, nobody drives it
        shown = custody is not None and (not custody.mine or custody.driven or left)
        refused = summary is not None and summary.path == self._refused
        box = self.query_one("#incident-custody", Static)
        box.display = shown or refused
        if summary is None or not box.display:
            return
        keys = (self.app.key_label("home.follow"), self.app.key_label("home.resume"))
        said = custody_text(summary, custody, keys) if custody is not None and shown else ""
        if refused:  # the toast named it by its id: its whole path is here
            said = f"{said}\nIts journal: {summary.path}".lstrip("\n")
        box.update(plain(said, one_line=False))

    def journal_of_refused(self, journal: Path) -> None:
        """A take or resume of `journal` was refused: its whole path under the list, as
        long as it is highlighted (refusals.py)."""
        self._refused = journal
        self._show_custody()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "incidents":
            self._show_custody()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        live = self.app.live
        if action == "propose":
            return live.proposal is not None and live.countdown is None
        if action == "cancel_countdown":
            return live.countdown is not None
        return True

    def action_new(self) -> None:
        from console.ui.screens.trigger import TriggerScreen

        self.app.push_screen(TriggerScreen())

    def action_drills(self) -> None:
        from console.ui.screens.drills import DrillsScreen

        self.app.push_screen(DrillsScreen())

    def action_propose(self) -> None:
        proposal = self.app.live.proposal
        if proposal is None:
            self.notify("No automatic trigger is waiting.")
            return
        self.app.lifecycle.accept_proposal(proposal)

    def action_cancel_countdown(self) -> None:
        from console.ui.screens.home_countdown import cancel_countdown

        cancel_countdown(self)

    def action_resume(self) -> None:
        table = self.query_one("#incidents", DataTable)
        if not table.row_count:
            new = self.app.key_label("home.new")
            self.notify(f"There is no incident to resume. Press {new} to declare one.")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        summary = self._found.get(str(key))
        custody = summary.custody if summary is not None else None
        if summary and custody and custody.r_does(summary.outcome is not None) != "resume":
            from console.ui.teammates import teammates  # as the firing banner says (live.py)

            teammates(self.app, summary)
            return
        self.app.resuming.resume(Path(str(key)))

    def action_follow(self) -> None:
        summary = self._highlighted()
        if summary is None:
            self.notify("There is no incident to follow.")
            return
        from console.ui.teammates import follow

        follow(self.app, summary.path)
        self.refresh_incidents()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "incidents":
            self.action_resume()
        elif event.data_table.id == "systems":
            self.action_new()
