"""Execution: a per-host grid, progress, and the live output of the selected host."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import ProgressBar, Static

from console.model.kinds import no_verify
from console.model.procedure import StepKind
from console.model.state import HostRun, HostStatus, StepStatus
from console.model.visible import visible
from console.ui.messages import JournalChanged
from console.ui.screens.adhoc_runs import AdhocRuns
from console.ui.screens.base import IncidentScreen
from console.ui.screens.execution_banners import show_banners
from console.ui.screens.execution_keys import (
    Offers,
    after_failed_soak,
    can_retry,
    counts_line,
    offers,
    shown_step,
)
from console.ui.screens.execution_rows import (
    COLUMNS,
    FINISHED,
    PROBLEMS,
    SQUEEZE,
    PortsWritten,
    host_row,
)
from console.ui.screens.hostkeys import accept_host_key
from console.ui.screens.output_pane import OUTPUT_LINES, OutputPane
from console.ui.screens.settled_layout import SettledLayout
from console.ui.screens.step_titles import StepTitles
from console.ui.throttle import Throttle
from console.ui.widgets.host_grid import HostGrid
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.one_line import OneLine
from console.ui.widgets.output_log import OutputLog
from console.ui.widgets.repeated_rows import Column, Row
from console.ui.widgets.run_summary import soak_text
from console.ui.widgets.sending import update_text
from console.ui.widgets.status import status_text

# While output streams, a row whose only change is its last line is redrawn at most this
# often: 200 hosts scrolling their last lines every frame is noise, not news.
LAST_LINE_SECONDS = 0.25


class ExecutionScreen(SettledLayout, IncidentScreen):
    """Watch a step run on every host; abort it, or retry the hosts that failed."""

    # Keys typed before it was drawn are its own (its keys only ask or show): key_turns.py.
    TAKES_TYPE_AHEAD = True

    # What the footer shows first at 80 columns; F1 lists every key. The verify of the
    # hosts left unknown before another strategy or the assessment: with failed hosts
    # too, v fell off the footer at 80 columns, behind b and i.
    FOOTER = (
        "execution.abort",
        "execution.retry",
        "resume.verify",
        "resume.retry",
        "execution.strategy",
        "execution.assessment",
        "watch.decide",
        "execution.problems",
        "execution.note",
        "execution.hostkey",
        "execution.adhoc",
        "incident.back",
    )

    TAB = "execution"
    BINDINGS = [
        Binding("a", "abort", "Abort…", id="execution.abort"),
        Binding("t", "retry", "Retry failed", id="execution.retry"),
        Binding("n", "note", "Note…", id="execution.note"),
        Binding("k", "accept_key", "Accept host key…", id="execution.hostkey"),
        Binding("e", "adhoc", "Ad-hoc command…", id="execution.adhoc"),
        Binding("i", "assessment", "Assessment", id="execution.assessment"),
        Binding("b", "other_strategy", "Other strategy", id="execution.strategy"),
        Binding("p", "problems", "Problems only", id="execution.problems"),
        Binding("enter", "why", "Why it failed", id="execution.why"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.step_id: str | None = None
        self.host: str | None = None
        self._last_lines = Throttle(self, LAST_LINE_SECONDS, self.sync_soon)
        self.output = OutputPane(self)
        self.adhoc = AdhocRuns(self)
        self.titles = StepTitles(self)
        self.problems_only = False
        # The hosts whose rows may have changed since the last sync (None: every host).
        # At 1,000 hosts, rebuilding every row for each batch of events was most of a frame.
        self._changed: set[str] | None = None
        self._deferred: set[str] = set()  # rows whose only change was a last line
        self._offers = Offers()  # what its keys can do, as of its sync
        self.ports = PortsWritten()  # where a refused host's port was written

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        with Row(id="exec-top"):
            yield OneLine(id="exec-title")
            # No percentage: the bar fills the room app.tcss gives it, and the percentage,
            # clipped out of sight, still invalidated the screen's map at every update
            # (a full arrangement, ~1 ms of each streaming frame: bench/RESULTS.md).
            yield ProgressBar(id="exec-progress", show_eta=False, show_percentage=False)
        # Under the bar, the whole width: beside it, at 80 columns, a 1,000-host step's
        # counts took three lines of the grid's room, and the grid showed 5 hosts.
        yield Static("", id="exec-counts")
        yield Static("", id="exec-halt")
        yield Static("", id="exec-waves")
        with Row(id="exec-body"):
            yield HostGrid(COLUMNS, fold=COLUMNS.index("Failure"), squeeze=SQUEEZE, id="grid")
            with Column(id="output-box"):
                yield OneLine("Output", id="output-title")
                yield Static("", id="output-why")
                yield OutputLog(id="output", max_lines=OUTPUT_LINES, auto_scroll=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#grid", HostGrid).focus()
        self.sync()
        # A channel being retried changes nothing in the journal until it answers.
        self.set_interval(1.0, self._sending)

    def _sending(self) -> None:
        if self.is_update(self.step_id):
            self.sync()

    def on_journal_changed(self, message: JournalChanged) -> None:
        """Note the hosts the batch names; an event of no host may change any row, and so
        may a batch of none (the follow view's news that the writer is gone). The base
        class's handler, which Textual calls next, syncs."""
        hosts = [event.where.host for event in message.events]
        if self._changed is not None:
            if not hosts or None in hosts:
                self._changed = None
            else:
                self._changed.update(host for host in hosts if host)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Every row is looked at again. Textual then calls the base class's handler,
        which syncs (calling it here too synced twice on every resume)."""
        self._changed = None

    def sync(self) -> None:
        if not self.is_mounted:
            return
        state = self.incident.state
        step_id = shown_step(self.app, self.incident)
        grid = self.query_one("#grid", HostGrid)
        if step_id != self.step_id:
            self.step_id = step_id
            self._changed, self._deferred = None, set()
            grid.clear()
            self._scroll_from_the_start(grid, step_id)
            self.host = None
            self.output.reload()
        probe = self.is_probe(step_id)
        updating = self.is_update(step_id)
        self._follow_offers()
        progress = self.query_one("#exec-progress", ProgressBar)
        show_banners(self, step_id)
        if step_id is None:
            checklist = self.app.key_label("go.checklist")
            self._heading(
                Text("Nothing has run yet."), f"Run a step from the checklist ({checklist})."
            )
            progress.update(total=1, progress=0)
            return
        st = state.step(step_id)
        soaking = probe or updating
        body = self.query_one("#exec-body")
        if body.has_class("-soak") != soaking:  # a soak has no hosts: its rounds take the space
            body.set_class(soaking, "-soak")
            grid.display = not soaking
            if not soaking:
                grid.focus()
        if updating:  # no host runs it: what its channels said so far instead of a grid
            progress.update(total=1, progress=0)
            abort = None if self.app.read_only else self.app.key_label("execution.abort")
            said = update_text(self.incident, step_id, abort)
            self._heading(self._title_line(self.shown_status(st), step_id), said)
            return
        if soaking:
            self._soak(step_id)
            return
        runs = list(st.hosts.values())
        lines_later = st.status is StepStatus.RUNNING and not self._last_lines.due()
        changed, self._changed = self._changed, set()
        if not lines_later:
            changed = None if changed is None else changed | self._deferred
            self._deferred = set()
        rows = []
        needed = st.needed_nothing()
        # A step with no verify to run (a command step's): its unknown hosts are checked by hand.
        by_hand = no_verify(self.app.settings, self.incident.state, step_id) != ""
        for run in runs if changed is None else [r for r in runs if r.host in changed]:
            if self.problems_only and run.status not in PROBLEMS:
                grid.remove_row(run.host)
                continue
            row = host_row(run, run.host in needed, by_hand, self.ports.of(self.app.settings))
            old = grid.rows.get(run.host)
            if lines_later and old is not None and row[:-1] == old[:-1]:
                self._deferred.add(run.host)
                continue  # only the last line changed: shown at the next tick
            rows.append((run.host, row))
        grid.set_rows(rows, {host: i for i, host in enumerate(st.hosts)})
        # The hosts of waves not begun yet count too: they are the step's, waiting.
        hosts = len(st.hosts.keys() | set(st.targets))
        progress.update(total=max(1, hosts), progress=sum(1 for r in runs if r.status in FINISHED))
        line = counts_line(self.app, self.incident, step_id, hosts, self.problems_only)
        verifying = step_id in self.incident.running and st.verifying
        self._heading(self._title_line(self.shown_status(st), step_id, verifying), line)
        if self.host is None and grid.cursor_key is not None:  # a host the grid shows
            self.host = grid.cursor_key
            self.output.reload()
            self._follow_offers()
        else:
            self.output.append()

    def _title_line(
        self, status: StepStatus | HostStatus, step_id: str, verifying: bool = False
    ) -> Text:
        title = visible(self.titles.of(step_id), one_line=True)  # a follower's come from a journal
        said = status_text(status)
        if verifying:  # V checking its unknown hosts: no run of the step's action
            running = status_text(StepStatus.RUNNING)
            said = Text(f"{StepStatus.RUNNING.symbol} verifying", style=running.style)
        return Text.assemble(said, " ", (title, "bold"))

    def _heading(self, title: Text, counts: Text | str) -> None:
        """The title on one line, cut with … if long (app.tcss); the counts below it
        wrap, so what failed and the next key are never out of sight."""
        self.show(self.query_one("#exec-title", OneLine), title)
        self.show(self.query_one("#exec-counts", Static), counts)

    def is_probe(self, step_id: str | None) -> bool:
        return self._kind(step_id) is StepKind.PROBE

    def is_update(self, step_id: str | None) -> bool:
        """A status update being sent: nothing of it runs on a host."""
        return step_id in self.incident.running and self._kind(step_id) is StepKind.NOTIFY

    def _kind(self, step_id: str | None) -> StepKind | None:
        steps = {s.id: s for s in self.app.settings.procedure.steps}
        return steps[step_id].kind if step_id in steps else None

    def _scroll_from_the_start(self, grid: HostGrid, step_id: str | None) -> None:
        """The grid shows its scrollbar from the start when the step has (or, about to
        run, may have) more hosts than the terminal has lines: the scrollbar appearing
        as the rows came in laid the screen out and drew every row again narrower
        (~35 ms of the UI thread's CPU at 200 hosts, bench/RESULTS.md)."""
        rows = 0
        if step_id is not None:
            st = self.incident.state.step(step_id)
            rows = max(len(st.hosts), len(st.targets))
            if not rows and step_id == self.app.exec_step:
                rows = len(self.incident.state.hosts)
        overflow = "scroll" if rows > self.app.size.height else "auto"
        if grid.styles.overflow_y != overflow:
            grid.styles.overflow_y = overflow
        if overflow == "scroll" and not grid.show_vertical_scrollbar:
            # In the first layout: shown after it, it asked for a second pass of the screen.
            grid.set_reactive(HostGrid.show_vertical_scrollbar, True)
            grid.vertical_scrollbar.display = True

    def _soak(self, step_id: str) -> None:
        """Verify stability: progress toward the soak; on failure, retry or another strategy."""
        st = self.incident.state.step(step_id)
        soak = self.incident.state.soak.get(step_id, {})
        progress = self.query_one("#exec-progress", ProgressBar)
        window = self.incident.step(step_id).soak or self.app.settings.triggers.soak
        needed = int(soak.get("needed", window.samples))
        progress.update(total=needed, progress=int(soak.get("healthy", 0)))
        line = soak_text(soak) if soak else Text("waiting for the first round")
        if st.status is StepStatus.FAILED:
            line.append(after_failed_soak(self.app, self.incident, step_id, soak), style="dim")
        self._heading(self._title_line(self.shown_status(st), step_id), line)
        self.output.append()

    def on_host_grid_highlighted(self, event: HostGrid.Highlighted) -> None:
        if event.key != self.host:
            self.host = event.key
            self.output.reload()
            self._follow_offers()  # Enter explains this host's failure, if it has one

    # -- actions -------------------------------------------------------------------

    def action_abort(self) -> None:
        self.app.prompt_abort()

    def _follow_offers(self) -> None:
        """What the keys can do for the step shown and the highlighted host; the footer
        follows when it changes."""
        self._offers = offers(
            self.app,
            self.incident,
            self.step_id,
            self._kind(self.step_id),
            self.is_update(self.step_id),
            self.highlighted_run(),
        )
        self.follow_keys()

    def key_inputs(self) -> tuple[object, ...]:
        return self._offers

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A key is offered only where it acts (`Offers`)."""
        if not self._offers.allows(action):
            return False
        return super().check_action(action, parameters)

    def key_description(self, binding: Binding) -> str:
        """The footer's word for a key: the retry of a held re-enable goes on with it; of
        a failed one with hosts held, starts again at its first stage; of a step stopped
        between waves, goes on with the hosts not started."""
        if binding.id == "execution.retry" and self._offers.held:
            return "Next stage"
        if binding.id == "execution.retry" and self._offers.restage:
            return "Retry from stage 1"
        if binding.id == "execution.retry" and self._offers.goes_on:
            return "Go on"
        return binding.description

    def action_retry(self) -> None:
        probe = self.is_probe(self.step_id)
        if not can_retry(self.app, self.incident, self.step_id, probe):
            return  # the state moved on since the footer was drawn
        assert self.step_id is not None
        if probe:
            self.app.start_run(self.step_id)
            return
        failed = self.incident.failed_hosts(self.step_id)
        if self.step_id.startswith("adhoc-"):
            self.adhoc.retry(self.step_id, failed)
            return
        self.app.start_run(self.step_id, only_hosts=failed)

    def action_problems(self) -> None:
        """Only the hosts that failed, aborted, never started or are unknown, or all."""
        self.problems_only = not self.problems_only
        grid = self.query_one("#grid", HostGrid)
        grid.clear()
        self._changed = None
        self.sync()
        if self.problems_only and not grid.row_count:
            self.notify("No host has a problem in this step.")

    def action_note(self) -> None:
        shown = self.step_id
        self.app.prompt_note(shown, self.titles.of(shown) if shown else None)

    def highlighted_run(self) -> HostRun | None:
        if self.step_id is None or self.host is None:
            return None
        return self.incident.state.step(self.step_id).hosts.get(self.host)

    def action_accept_key(self) -> None:
        retry = self.app.key_label("execution.retry")
        accept_host_key(self, self.highlighted_run(), f"{retry} retries the failed hosts.")

    def action_assessment(self) -> None:
        from console.ui.screens.assessment import AssessmentScreen

        self.app.push_screen(AssessmentScreen())

    def action_other_strategy(self) -> None:
        from console.ui.screens.picker import PickerScreen

        conductor = self.app.conductor
        if conductor is not None:  # the strategy and values chosen last, to change
            self.app.push_screen(PickerScreen.again(conductor))

    def action_why(self) -> None:
        """The highlighted host's reason in full, whatever its length."""
        from console.ui.screens.host_why import HostWhy, why_whole

        run = self.highlighted_run()
        text = why_whole(run, self.ports.of(self.app.settings)) if run is not None else None
        if run is None or text is None:
            self.notify("The highlighted host has no failure to explain.")
            return
        self.app.push_screen(HostWhy(run.host, text))

    def action_adhoc(self) -> None:
        self.adhoc.ask(self.host)
