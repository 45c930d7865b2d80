"""Export: path, format and starred-only, with a preview before anything is written. The
document is rendered in a thread (it reads back every event: seconds at 100,000), from a
snapshot of the journal taken on the UI loop; the loop only shows the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Markdown, Select, Static
from textual.worker import Worker, WorkerState

from console.journal.event_log import EventLog
from console.journal.export import EXPORT_FORMATS
from console.journal.store import JournalError, write_private
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.plain import plain
from console.ui.widgets.toggles import MarkedCheckbox

FORMATS = [(f.title, f.name) for f in EXPORT_FORMATS.values()]
# The preview shows the document's first lines only: a widget holding all of a 100,000-event
# document (tens of MB as JSON) is laid out and mounted on the UI loop, for seconds.
PREVIEW_LINES = 400


@dataclass(frozen=True)
class Preview:
    """A rendered document (`text`) and its first PREVIEW_LINES lines (`head`)."""

    text: str
    head: str
    lines: int  # how many lines `text` has

    @classmethod
    def of(cls, text: str) -> Preview:
        end = -1
        for _ in range(PREVIEW_LINES):
            end = text.find("\n", end + 1)
            if end < 0:
                return cls(text, text, text.count("\n"))
        return cls(text, text[: end + 1], text.count("\n"))

    @property
    def cut(self) -> bool:
        return len(self.head) < len(self.text)


@dataclass(frozen=True, eq=False)
class Render:
    """One document asked for: the journal's first `count` events as they were when it
    was asked (`log`: their snapshot), in `format`; written to `path` if one is given."""

    log: EventLog
    stars: frozenset[int]
    format: str
    starred: bool
    path: Path | None = None

    @property
    def count(self) -> int:
        return len(self.log)

    def text(self) -> str:
        """The document (in a worker thread): it reads the snapshot only."""
        try:
            return EXPORT_FORMATS[self.format].of_log(self.log, self.stars, self.starred)
        finally:
            self.log.close()

    def preview(self) -> Preview:
        """The document and the part of it the preview shows (in a worker thread)."""
        return Preview.of(self.text())

    def written(self) -> str:
        """The document, written to `path` (in a worker thread)."""
        assert self.path is not None
        text = self.text()
        write_private(self.path, text.encode())
        return text


class ExportScreen(IncidentScreen):
    """Preview the rollback document, then write it; the write is journalled."""

    # What the footer shows first at 80 columns; F1 lists every key.
    FOOTER = ("export.write", "export.preview", "incident.close", "watch.decide", "incident.back")

    TAB = "export"
    BINDINGS = [
        Binding("ctrl+s", "write", "Write", id="export.write"),
        Binding("ctrl+r", "preview", "Refresh preview", id="export.preview"),
    ]

    def compose(self) -> ComposeResult:
        yield IncidentBar(self.TAB)
        with Horizontal(id="export-options"):
            yield Label("Path", classes="inline-label")
            yield Input(id="export-path", compact=True)
            yield MarkedCheckbox("Starred only", id="starred-only", compact=True)
            yield Select(
                FORMATS, value="markdown", allow_blank=False, id="export-format", compact=True
            )
        yield Label("", id="export-status")
        yield Label("", id="preview-note")
        with VerticalScroll(id="preview-box"):
            yield Markdown(id="preview")
            yield Static(id="preview-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.text = ""  # the document the preview shows
        self.shown: Render | None = None  # what it was rendered from
        self._asked: Render | None = None  # the newest preview asked for
        self._writing: Render | None = None
        self._preview: Worker | None = None  # the newest preview's render
        self._write: Worker | None = None
        self._path_for("markdown")
        self.query_one("#export-status", Label).update(
            f"Preview below. {self.app.key_label('export.write')} writes it to the path; the write is journalled."
        )
        self.action_preview()

    @property
    def rendering(self) -> bool:
        """A preview is being rendered."""
        return self._asked is not None

    def format(self) -> str:
        return str(self.query_one("#export-format", Select).value)

    def _path_for(self, format: str) -> None:
        """The default file name of `format`, in the incident's directory."""
        path = self.incident.recorder.path.parent / EXPORT_FORMATS[format].file_name
        self.query_one("#export-path", Input).value = str(path)
        self.query_one("#export-path", Input).cursor_position = 0

    def _ask(self, path: Path | None = None) -> Render:
        """The document asked for now: the journal as it is at this moment (on the loop,
        where events are appended)."""
        return Render(
            self.incident.recorder.events.snapshot(len(self.incident.recorder.events)),
            frozenset(self.incident.state.stars),
            self.format(),
            self.query_one("#starred-only", Checkbox).value,
            path,
        )

    def sync(self) -> None:
        """New events do not re-render the preview (seconds at 100,000 events, for every
        batch of a live incident): the note says how many the preview lacks."""
        if self.is_mounted and self.is_current:
            self._note()

    def _note(self) -> None:
        if self._asked is not None:
            note = f"Rendering the document… ({self._asked.count:,} events)"
        elif self.shown is None:
            note = ""
        else:
            new = len(self.incident.recorder.events) - self.shown.count
            note = f"Preview of the journal's {self.shown.count:,} events."
            if new > 0:
                key = self.app.key_label("export.preview")
                note = (
                    f"{new:,} new event{'s' if new != 1 else ''} since the preview"
                    f" — {key} refreshes. A write reads them all."
                )
        self.query_one("#preview-note", Label).update(note)

    def action_preview(self) -> None:
        """Render the preview in a thread; a newer one supersedes it."""
        self._asked = self._ask()
        self._note()
        self._preview = self.run_worker(
            self._asked.preview, group="preview", thread=True, exclusive=True, exit_on_error=False
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker is self._preview and self._asked is not None:  # else superseded
            if event.state == WorkerState.SUCCESS:
                assert isinstance(worker.result, Preview)
                self._show(self._asked, worker.result)
            elif event.state == WorkerState.ERROR:
                self._asked = None
                why = plain(f"✘ Could not render the document: {worker.error}")
                self.query_one("#preview-note", Label).update(why)
        elif worker is self._write and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self._written(worker)

    def _show(self, render: Render, preview: Preview) -> None:
        """Show the newest preview asked for, rendered."""
        self._asked = None
        self.shown = render
        markdown = EXPORT_FORMATS[render.format].markdown
        self.query_one("#preview", Markdown).display = markdown
        self.query_one("#preview-text", Static).display = not markdown
        head = preview.head
        if preview.cut:
            key = self.app.key_label("export.write")
            head += f"\n\n… {preview.lines:,} lines in all: {key} writes them all.\n"
        if preview.text != self.text:
            self.text = preview.text
            if markdown:
                self.query_one("#preview", Markdown).update(head)
            else:
                self.query_one("#preview-text", Static).update(head)
        self._note()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.action_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._path_for(self.format())
        self.action_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_write()

    def action_write(self) -> None:
        """Write the document of the journal as it is now, rendered and written in a
        thread; the write is journalled once the file is on disk."""
        status = self.query_one("#export-status", Label)
        if self._writing is not None:
            status.update(plain(f"… Still writing {self._writing.path}: wait for it."))
            return
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            status.update("✘ Type a path to write the document to.")
            return
        self._writing = render = self._ask(Path(raw).expanduser())
        status.update(plain(f"… Writing the document ({render.count:,} events)…"))
        self._write = self.run_worker(
            render.written, group="write", thread=True, exit_on_error=False
        )

    def _written(self, worker: Worker) -> None:
        render, self._writing = self._writing, None
        assert render is not None and render.path is not None
        status = self.query_one("#export-status", Label)
        exc = worker.error
        if isinstance(exc, (OSError, JournalError)):
            why = getattr(exc, "strerror", None) or exc
            status.update(plain(f"✘ Could not write {render.path}: {why}", one_line=False))
            return
        if exc is not None:
            raise exc
        size = len(str(worker.result).encode())
        self.incident.record_export(str(render.path), render.format, starred_only=render.starred)
        # The path on a line of its own, wrapped if need be: never cut at the screen's edge.
        status.update(plain(f"✔ Written ({size:,} bytes):\n{render.path}", one_line=False))
        self.notify(f"Rollback document written to {render.path}.", title="Exported")
