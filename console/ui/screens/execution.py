"""Execution: a per-host grid, progress, and the live output of the selected host."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Log, ProgressBar, Static

from console.model.events import Event, Kind
from console.model.state import HostRun, HostStatus, StepStatus
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.status import status_text

COLUMNS = ("Host", "System", "Status", "Stage", "Try", "Failure", "Exit", "Last line")
FINISHED = {HostStatus.SUCCEEDED, HostStatus.FAILED, HostStatus.ABORTED, HostStatus.NOT_STARTED}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def host_row(run: HostRun) -> tuple:
    exit_text = (run.signal and f"SIG{run.signal}") or (
        "" if run.exit_status is None else str(run.exit_status)
    )
    return (
        run.host,
        run.system or "",
        status_text(run.status, 12),
        run.stage or "",
        str(run.attempt or ""),
        Text(run.failure.value if run.failure else "", style="#ef6b6b"),
        exit_text,
        _clip(run.last_line or run.detail or "", 48),
    )


class ExecutionScreen(IncidentScreen):
    """Watch a step run on every host; abort it, or retry the hosts that failed."""

    TAB = "execution"
    BINDINGS = [
        Binding("a", "abort", "Abort…", id="execution.abort"),
        Binding("t", "retry", "Retry failed", id="execution.retry"),
        Binding("n", "note", "Note…", id="execution.note"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.step_id: str | None = None
        self.host: str | None = None
        self._rows: dict[str, tuple] = {}
        self._seen = 0

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        with Horizontal(id="exec-top"):
            yield Static("", id="exec-title")
            yield ProgressBar(id="exec-progress", show_eta=False)
        with Horizontal(id="exec-body"):
            yield DataTable(id="grid", cursor_type="row", zebra_stripes=True)
            with Vertical(id="output-box"):
                yield Label("Output", id="output-title")
                yield Log(id="output", max_lines=5000, auto_scroll=True)
        yield Footer()

    def on_mount(self) -> None:
        grid = self.query_one("#grid", DataTable)
        for name in COLUMNS:
            grid.add_column(name, key=name)
        grid.focus()
        self.sync()

    def shown_step(self) -> str | None:
        """The step a worker is running, else the last one that ran on hosts."""
        app_step = self.app.exec_step
        if app_step:
            return app_step
        runs = [sid for sid, st in self.conductor.state.steps.items() if st.hosts]
        return runs[-1] if runs else None

    def sync(self) -> None:
        if not self.is_mounted:
            return
        state = self.conductor.state
        step_id = self.shown_step()
        grid = self.query_one("#grid", DataTable)
        if step_id != self.step_id:
            self.step_id = step_id
            grid.clear()
            self._rows.clear()
            self.host = None
            self._reload_output()
        title = self.query_one("#exec-title", Static)
        progress = self.query_one("#exec-progress", ProgressBar)
        if step_id is None:
            title.update(" Nothing has run yet. Run a step from the checklist (F2).")
            progress.update(total=1, progress=0)
            return
        st = state.step(step_id)
        runs = list(st.hosts.values())
        for run in runs:
            row = host_row(run)
            if run.host not in self._rows:
                grid.add_row(*row, key=run.host)
            elif self._rows[run.host] != row:
                for column, value in zip(COLUMNS, row, strict=True):
                    grid.update_cell(run.host, column, value, update_width=True)
            self._rows[run.host] = row
        done = sum(1 for r in runs if r.status in FINISHED)
        failed = sum(1 for r in runs if r.status in (HostStatus.FAILED, HostStatus.ABORTED))
        progress.update(total=max(1, len(runs)), progress=done)
        step = self.conductor.step(step_id)
        line = Text.assemble(" ", status_text(st.status), " ", (step.title, "bold"))
        line.append(f"\n {done} of {len(runs)} hosts finished")
        if failed:
            line.append(f" · {failed} failed", style="bold #ef6b6b")
        line.append(self._hint(st.status, failed), style="dim")
        title.update(line)
        if self.host is None and runs:
            self.host = runs[0].host
            self._reload_output()
        else:
            self._append_output()

    def _hint(self, status: StepStatus, failed: int) -> str:
        if status is StepStatus.RUNNING:
            return " · A aborts"
        if failed:
            return " · T retries failed hosts"
        if status.finished:
            return " · F2 back to the checklist"
        return ""

    # -- output ------------------------------------------------------------------

    def _lines(self, event: Event) -> list[str]:
        if event.where.step != self.step_id or event.where.host != self.host:
            return []
        d = event.data
        if event.kind == Kind.COMMAND_OUTPUT:
            mark = "! " if d.get("stream") == "stderr" else ""
            return [f"{mark}{line}" for line in d.get("lines", [])]
        if event.kind == Kind.COMMAND_INTENT:
            first = (d.get("command") or "").strip().splitlines()[:1]
            more = " …" if len((d.get("command") or "").strip().splitlines()) > 1 else ""
            return [f"$ [{d.get('stage')} · try {d.get('attempt', 1)}] {''.join(first)}{more}"]
        if event.kind == Kind.COMMAND_RESULT:
            if d.get("failure"):
                return [f"✘ {d.get('stage')}: {d['failure']} ({d.get('detail', '')})"]
            return [f"✔ {d.get('stage')}: exit 0"]
        return []

    def _reload_output(self) -> None:
        log = self.query_one("#output", Log)
        log.clear()
        events = self.conductor.recorder.events
        self._seen = len(events)
        label = self.query_one("#output-title", Label)
        label.update(f"Output of {self.host}" if self.host else "Output (select a host)")
        if self.host:
            lines = [ln for e in events for ln in self._lines(e)]
            log.write_lines(lines[-5000:])

    def _append_output(self) -> None:
        events = self.conductor.recorder.events
        new = events[self._seen :]
        self._seen = len(events)
        lines = [ln for e in new for ln in self._lines(e)]
        if lines:
            self.query_one("#output", Log).write_lines(lines)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        host = event.row_key.value if event.row_key else None
        if host and host != self.host:
            self.host = host
            self._reload_output()

    # -- actions -------------------------------------------------------------------

    def action_abort(self) -> None:
        self.app.prompt_abort()

    def action_retry(self) -> None:
        if self.step_id is None:
            self.notify("Nothing has run yet.")
            return
        if self.step_id in self.conductor.running:
            self.notify("The step is still running: wait for it, or abort it.")
            return
        failed = self.conductor.failed_hosts(self.step_id)
        if not failed:
            self.notify("No host failed in this step: nothing to retry.")
            return
        self.app.start_run(self.step_id, only_hosts=failed)

    def action_note(self) -> None:
        self.app.prompt_note(self.step_id)
