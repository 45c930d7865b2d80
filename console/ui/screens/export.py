"""Export: path, format and starred-only, with a preview before anything is written. The
document is rendered by `rollback-console export` in a child process (it reads back every
event: seconds at 100,000), cut at the events the journal held when it was asked for; the
loop only shows the preview's first lines (document_process.py)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Label, Select
from textual.worker import Worker, WorkerState

from console.journal.export import EXPORT_FORMATS
from console.journal.files import JournalError
from console.model.event_kinds import Kind
from console.ui.document_process import Children, ExportFailed, Preview, Render
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.document_view import DocumentView
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.plain import plain
from console.ui.widgets.toggles import MarkedCheckbox

FORMATS = [(f.title, f.name) for f in EXPORT_FORMATS.values()]


class ExportScreen(IncidentScreen):
    """Preview the rollback document, then write it; the write is journalled."""

    # Keys typed before it was drawn are its own (it writes a file only): key_turns.py.
    TAKES_TYPE_AHEAD = True

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
        # The document's text as the file holds it (Markdown source, or JSON).
        yield DocumentView(id="preview")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.head = ""  # the document's first lines, as the preview shows them
        self.shown: Render | None = None  # what it was rendered from
        self.exports = Children()
        self._asked: Render | None = None  # the newest preview asked for
        self._writing: Render | None = None
        self._preview: Worker | None = None  # the newest preview's render
        self._write: Worker | None = None
        self._writes: list[int] = []  # where this screen's own writes are in the journal
        self._path_for("markdown")
        # Nothing to scroll until the first preview comes back: Tab skips the empty box.
        self.query_one("#preview", DocumentView).can_focus = False
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
        field = self.query_one("#export-path", Input)
        field.value = str(path)
        # Its end in view once laid out: the incident and the file name, where a long
        # directory left only its own first part at 80 columns.
        field.cursor_position = 0
        field.call_after_refresh(field.action_end)

    async def on_unmount(self) -> None:
        """The app quits: no child outlives it, none leaves a file behind."""
        await self.exports.end_all()

    def _ask(self, path: Path | None = None) -> Render:
        """The document asked for now: the journal's events as the screen sees them at
        this moment (their stars among them), all on disk already."""
        recorder = self.incident.recorder
        return Render(
            recorder.path,
            len(recorder.events),
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
            new = self._news(self.shown.count)
            note = f"Preview of the journal's {self.shown.count:,} events."
            if new > 0:
                key = self.app.key_label("export.preview")
                note = (
                    f"{new:,} new event{'s' if new != 1 else ''} since the preview"
                    f" — {key} refreshes. A write reads them all."
                )
        self.query_one("#preview-note", Label).update(note)

    def _news(self, seen: int) -> int:
        """The events recorded after the first `seen`, less this screen's own writes: the
        record of a write is not news against the preview it wrote (it read `1 new event
        since the preview` right after ^s)."""
        own = sum(1 for at in self._writes if at >= seen)
        return len(self.incident.recorder.events) - seen - own

    def action_preview(self) -> None:
        """Render the preview in a child process; a newer one supersedes it (the older
        child is ended)."""
        self._asked = self._ask()
        self._note()
        self._preview = self.run_worker(
            self.exports.preview(self._asked),
            group="preview",
            exclusive=True,
            exit_on_error=False,
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
        if not self.app.screen_stack:  # the app is closing: its screens are gone
            return
        self.shown = render
        view = self.query_one("#preview", DocumentView)
        view.can_focus = True
        head = preview.head
        if preview.cut:
            key = self.app.key_label("export.write")
            head += f"\n\n… {preview.lines:,} lines in all: {key} writes them all.\n"
        if head != self.head:
            self.head = head
            view.load_text(head)
        self._note()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.action_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._path_for(self.format())
        self.action_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_write()

    def action_write(self) -> None:
        """Write the document of the journal as it is now, rendered and written by a
        child process; the write is journalled once the file is in place."""
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
        self._write = self.run_worker(self._written_to(render), group="write", exit_on_error=False)

    async def _written_to(self, render: Render) -> int:
        """Write the document, then journal the write: nothing in between lets the app quit
        with the file in place and no record of it. Returns its size."""
        assert render.path is not None
        size = await self.exports.write(render)
        self.incident.record_export(str(render.path), render.format, starred_only=render.starred)
        events = self.incident.recorder.events
        self._writes.append(
            next(i for i in range(len(events) - 1, -1, -1) if events[i].kind == Kind.EXPORT_WRITTEN)
        )
        return size

    def _written(self, worker: Worker) -> None:
        render, self._writing = self._writing, None
        assert render is not None and render.path is not None
        status = self.query_one("#export-status", Label)
        exc = worker.error
        if isinstance(exc, (OSError, JournalError, ExportFailed)):
            why = getattr(exc, "strerror", None) or exc
            status.update(plain(f"✘ Could not write {render.path}: {why}", one_line=False))
            return
        if exc is not None:
            raise exc
        size = worker.result
        # The path on a line of its own, wrapped if need be: never cut at the screen's edge.
        status.update(plain(f"✔ Written ({size:,} bytes):\n{render.path}", one_line=False))
        self.notify(f"Rollback document written to {render.path}.", title="Exported")
        self._note()
