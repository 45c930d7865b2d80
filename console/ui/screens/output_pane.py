"""The execution screen's output pane: the shown host's (or the soak's) last lines, read
back from the journal newest first, then appended as its events come."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from console.journal.event_log import EventLog, Place
from console.model.events import Event, Kind
from console.model.visible import visible
from console.ui.screens.execution_rows import output_lines, why_text
from console.ui.widgets.one_line import OneLine
from console.ui.widgets.output_log import OutputLog

if TYPE_CHECKING:
    from console.ui.screens.execution import ExecutionScreen

# The pane holds a host's last lines; the rest stay in output.jsonl and the export.
OUTPUT_LINES = 5000


class OutputPane:
    """What `#output` and `#output-title` of an execution screen show."""

    def __init__(self, screen: ExecutionScreen) -> None:
        self.screen = screen
        self._seen = 0  # the journal's events looked at so far
        self._why_shown = False
        self._cut = False  # the pane shows the last lines only

    def reload(self) -> None:
        """Show the last lines of the screen's step and host afresh."""
        screen = self.screen
        log = screen.query_one("#output", OutputLog)
        log.clear()
        events = screen.incident.recorder.events
        self._seen = len(events)
        probe = screen.is_probe(screen.step_id)
        lines: list[str] = []
        if screen.host or probe:
            lines = self._tail(events, OUTPUT_LINES + 1)
            log.write_lines(map(visible, lines[-OUTPUT_LINES:]))
        self._title(probe, cut=len(lines) > OUTPUT_LINES)
        self.why()

    def why(self) -> None:
        """Why the shown host failed, wrapped whole above its output (whose lines are
        cut at the pane's width); nothing for a host that succeeded or runs."""
        screen = self.screen
        step = screen.incident.state.steps.get(screen.step_id or "")
        run = step.hosts.get(screen.host or "") if step else None
        text = why_text(run, screen.ports.of(screen.app.settings))
        pane = screen.query_one("#output-why", Static)
        if pane.display != (text is not None):
            pane.display = text is not None
        screen.show(pane, text or "")
        if self._why_shown != (text is not None):
            self._why_shown = text is not None
            self._title(screen.is_probe(screen.step_id), cut=self._cut)

    def append(self) -> None:
        """Add the lines of the events recorded since the last look."""
        screen = self.screen
        events = screen.incident.recorder.events
        new = events[self._seen :]
        self._seen = len(events)
        lines = [ln for e in new for ln in self._lines(e)]
        if lines:
            log = screen.query_one("#output", OutputLog)
            pruned = log.pruned
            log.write_lines(map(visible, lines))
            if log.pruned and not pruned:  # the first lines left the pane: say so
                self._title(screen.is_probe(screen.step_id), cut=True)
        self.why()

    def _lines(self, event: Event) -> list[str]:
        screen = self.screen
        accept = screen.app.key_label("execution.hostkey")
        return output_lines(event, screen.step_id, screen.host, accept)

    def _title(self, probe: bool, cut: bool) -> None:
        """What the pane shows, and that it shows the last lines only when it does."""
        screen = self.screen
        self._cut = cut
        title = "Output (select a host)"
        if probe:
            title = "Soak rounds"
        elif screen.host:
            title = f"Output of {screen.host}"
            if self._why_shown:  # above the output, six lines at most: Enter shows it whole
                title += f" · {screen.app.key_label('execution.why')} shows why, whole"
        if cut:
            title += f" · its last {OUTPUT_LINES:,} lines; all of them in the export"
        # One line always: another host's name redraws it alone, without a layout pass.
        screen.show(screen.query_one("#output-title", OneLine), title)

    def _tail(self, events: EventLog, count: int) -> list[str]:
        """The pane's last `count` lines (or fewer), its events read newest first: a long
        run's output is read back from its file only as far back as the pane shows."""
        step, host = self.screen.step_id, self.screen.host

        def shown(place: Place) -> bool:  # what output_lines may show, without reading it
            kind, _, at, at_step = place
            return at_step == step and (at == host or kind == Kind.SOAK_PROGRESS)

        chunks: list[list[str]] = []
        total = 0
        for index in events.indices(shown, newest_first=True):
            lines = self._lines(events[index])
            chunks.append(lines)
            total += len(lines)
            if total >= count:
                break
        return [line for chunk in reversed(chunks) for line in chunk][-count:]
