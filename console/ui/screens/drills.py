"""The drills screen: every scenario of drills.toml with what it breaks, what it expects
and where its cadences stand; Enter runs one. And the report a drill ends with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Label, Static

from console.journal.drill_text import report_lines
from console.journal.drills import read_drills, uncounted
from console.journal.times import minutes
from console.model.drill_schedule import Standing, schedule_status
from console.model.visible import clip, given_first, visible
from console.ui.palette import themed
from console.ui.widgets.drill_schedule import standing_text
from console.ui.widgets.plain import plain
from console.ui.widgets.screen_enter import RowTable

if TYPE_CHECKING:
    from console.model.drills import Part, Scenario
    from console.model.settings import Settings
    from console.ui.app import RollbackApp

COLUMNS = ("Scenario", "Faults", "Expects", "Due")
FAULTS_WIDTH = 28


class DrillsScreen(Screen):
    """Pick a drill scenario and run it; its cadences' standing beside it."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("enter", "run", "Run drill", id="drills.run"),
        Binding("escape", "back", "Back", id="drills.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(
            " Drills · a scenario runs as an incident of its own, labelled DRILL", id="home-title"
        )
        with VerticalScroll(id="drills-body"):
            yield Label("", id="drills-hint")
            yield RowTable(id="scenarios", cursor_type="row", zebra_stripes=True)
            yield Static("", id="scenario-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.app.drills.read_again()
        self.fill()

    def fill(self) -> None:
        """The scenarios of drills.toml as the console has them, and why not as the file
        has them now, where it does not."""
        app = self.app
        drills = app.settings.drills
        table = self.query_one("#scenarios", DataTable)
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        runs, unreadable = read_drills(app.engine.journal_root)
        now = app.clock.now()
        status = schedule_status(drills, runs, now)
        for scenario in drills.scenarios:
            mine = [s for s in status if s.entry.scenario == scenario.name]
            worst = max((s.standing for s in mine), key=list(Standing).index, default=None)
            table.add_row(
                plain(scenario.name + (" *" if scenario.name == drills.default else "")),
                plain(clip(", ".join(f.label for f in scenario.faults) or "–", FAULTS_WIDTH)),
                plain(scenario.expect.value),
                standing_text(worst) if worst else Text("–", style="dim"),
                key=scenario.name,
            )
        hint = (
            "Enter runs the highlighted scenario (* the default) once you confirm it."
            if drills.scenarios
            else NO_SCENARIOS
        )
        if problem := app.drills.file.problem:  # the list read before: none of it runs
            hint = f"▲ {problem}"
        # as `drill --status` says it: the Due column counts none of what such a journal holds
        hint = "\n".join([hint, *uncounted(unreadable, runs, now)])
        alert = themed("bold $error") if problem else ""
        self.query_one("#drills-hint", Label).update(Text(visible(hint), style=alert))
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None:  # PageDown on an empty list: it ended the console
            return
        name = str(event.row_key.value)
        scenario = self.app.settings.drills.scenario(name)
        parts = "; ".join(f"{p.strategy} on {', '.join(p.systems)}" for p in scenario.plan)
        target = f" · target {minutes(scenario.rto_minutes)}" if scenario.rto_minutes else ""
        detail = (
            f"{scenario.description or scenario.name}\nrolls back {parts} ({scenario.scope.value})"
            f"\ntrigger {scenario.trigger.value}{target}"
        )
        self.query_one("#scenario-detail", Static).update(Text(visible(detail)))

    def action_run(self) -> None:
        """Asked first: a drill sends its faults, then the procedure, to the hosts, every
        confirmation of its own answered by itself (one Enter on this list did it)."""
        from console.ui.screens.dialogs import ConfirmDialog

        table = self.query_one("#scenarios", DataTable)
        if not self.app.drills.as_shown():  # said; the list as the file has it now
            self.fill()
            return
        if not table.row_count:
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.pop_screen()
                self.app.drills.start(name)

        question = (
            "It sends these commands now, then answers every confirmation of its"
            " procedure itself; its faults are undone when it ends, not its rollback: the"
            " hosts stay where that leaves them (docs/drills.md)."
        )
        detail = what_it_sends(self.app.settings.drills.scenario(name), self.app.settings)
        dialog = ConfirmDialog(f"Run drill {name}?", question, yes="Run the drill", detail=detail)
        self.app.push_screen(dialog, answered)

    def action_back(self) -> None:
        self.app.pop_screen()


def what_it_sends(scenario: Scenario, settings: Settings) -> Table:
    """The faults (each one's command and hosts, or the demo's injection), the rollback
    (each part's strategy, systems and how many hosts) and the integrity check, each
    value whole, wrapped under itself."""
    lines = []
    for fault in scenario.faults:
        where = ", ".join(fault.hosts or fault.systems)
        if fault.inject:  # the demo fleet's own fault: its kind and host say it all
            said = f"{fault.name} ({fault.inject})" if fault.name else fault.inject
        else:
            command = (fault.command or "").strip()
            said = f"{fault.name or fault.label} on {where}: {command}"
        lines.append(f"fault {said}")
    for part in scenario.plan:
        hosts = sum(len(settings.inventory.system(s).hosts) for s in part.systems)
        lines.append(
            f"rollback {part.strategy} on {', '.join(part.systems)} ({hosts} host(s)),"
            f" {scenario.scope.value} scope, trigger {scenario.trigger.value}"
        )
        if said := _params(part, settings):
            lines.append(f"params {said}")
    if (check := scenario.integrity) is not None:
        on = ", ".join(check.hosts) or "every host of its systems"
        lines.append(f"integrity on {on}: {check.command}")
    return _report_grid([visible(line, one_line=True) for line in lines])


def _params(part: Part, settings: Settings) -> str:
    """`target=previous; defaults: current=current, ...`: the part's strategy's parameters
    as its commands get them, those drills.toml gives first (the run's `chose the
    strategy` says the same); '' for a strategy without any."""
    strategies = {s.name: s for s in settings.strategies}
    if (strategy := strategies.get(part.strategy)) is None:
        return ""  # refused when it starts, saying so
    defaults = {p.name: p.default or "" for p in strategy.params}
    return given_first({**defaults, **part.params}, defaults)


NO_SCENARIOS = (
    "No scenarios: declare [[scenarios]] in drills.toml (see the README); this list reads"
    " it again each time it opens."
)


def _report_grid(lines: list[str]) -> Table:
    """The report's lines as `drill` prints them, each label in a column of its own: a
    value too long for the dialog wraps under itself, not under the labels."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for line in lines:
        label, _, value = line.strip().partition(" ")
        grid.add_row(Text(visible(label)), Text(visible(value.lstrip())))
    return grid


class DrillReport(ModalScreen[None]):
    """What a drill found: each expectation against what happened, passed or failed; then
    home (Enter), or stay on the closed drill incident to read it (Esc)."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("enter", "home", "Home", id="drill-report.home"),
        Binding("escape", "close", "Stay on the drill", id="drill-report.close"),
    ]

    def __init__(self, verdict: dict, kept: str = ""):
        """`kept`: why the drill's close kept its locks, and what lets go of them."""
        super().__init__()
        self.verdict = verdict
        self.kept = kept

    def compose(self) -> ComposeResult:
        passed = bool(self.verdict.get("passed"))
        with Vertical(classes="dialog" + ("" if passed else " -danger"), id="drill-report"):
            yield Label(
                f"Drill {visible(str(self.verdict.get('scenario')), one_line=True)}:"
                f" {'PASSED' if passed else 'FAILED'}",
                classes="dialog-title",
                markup=False,
            )
            # it scrolls (↑ ↓), its keys under it stay in view: a restore's line with its
            # paths cut them off at 80x24
            with VerticalScroll(id="drill-report-lines"):
                yield Static(_report_grid(report_lines(self.verdict)[1:]), classes="dialog-text")
                if self.kept:
                    yield Static(f"✘ {self.kept}", classes="dialog-text", markup=False)
            key = self.app.key_label
            yield Static(
                f"{key('drill-report.home')}: back to the home screen ·"
                f" {key('drill-report.close')}: stay on the closed drill"
                f" ({key('go.timeline')} its timeline, {key('go.export')} its export)",
                classes="dialog-hint",
            )

    def action_close(self) -> None:
        self.dismiss(None)

    def action_home(self) -> None:
        self.dismiss(None)
        self.app.to_home()
