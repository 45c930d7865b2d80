"""Export: path, format and starred-only, with a preview before anything is written."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Markdown, Select, Static

from console.journal.export import EXPORT_FORMATS
from console.journal.store import JournalError, write_private
from console.ui.screens.base import IncidentScreen
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.key_footer import KeyFooter
from console.ui.widgets.plain import plain
from console.ui.widgets.toggles import MarkedCheckbox

FORMATS = [(f.title, f.name) for f in EXPORT_FORMATS.values()]


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
        with VerticalScroll(id="preview-box"):
            yield Markdown(id="preview")
            yield Static(id="preview-text", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._text = ""
        self._path_for("markdown")
        self.query_one("#export-status", Label).update(
            f"Preview below. {self.app.key_label('export.write')} writes it to the path; the write is journalled."
        )
        self.action_preview()

    def format(self) -> str:
        return str(self.query_one("#export-format", Select).value)

    def _path_for(self, format: str) -> None:
        """The default file name of `format`, in the incident's directory."""
        path = self.incident.recorder.path.parent / EXPORT_FORMATS[format].file_name
        self.query_one("#export-path", Input).value = str(path)
        self.query_one("#export-path", Input).cursor_position = 0

    def document(self) -> str:
        starred = self.query_one("#starred-only", Checkbox).value
        form = EXPORT_FORMATS[self.format()]
        events = self.incident.recorder.events  # read back for this render only, let go
        if form.every_event:
            return form.render(list(events), starred)
        return form.render(events.documented(self.incident.state.stars), starred, len(events))

    def sync(self) -> None:
        if self.is_mounted and self.is_current:
            self.action_preview()

    def action_preview(self) -> None:
        text = self.document()
        markdown = EXPORT_FORMATS[self.format()].markdown
        self.query_one("#preview", Markdown).display = markdown
        self.query_one("#preview-text", Static).display = not markdown
        if text != self._text:
            self._text = text
            if markdown:
                self.query_one("#preview", Markdown).update(text)
            else:
                self.query_one("#preview-text", Static).update(text)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.action_preview()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._path_for(self.format())
        self._text = ""
        self.action_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_write()

    def action_write(self) -> None:
        status = self.query_one("#export-status", Label)
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            status.update("✘ Type a path to write the document to.")
            return
        path = Path(raw).expanduser()
        text = self.document()
        try:
            write_private(path, text.encode())
        except (OSError, JournalError) as exc:
            why = getattr(exc, "strerror", None) or exc
            status.update(plain(f"✘ Could not write {path}: {why}"))
            return
        starred = self.query_one("#starred-only", Checkbox).value
        self.incident.record_export(str(path), self.format(), starred_only=starred)
        status.update(plain(f"✔ Written: {path} ({len(text.encode())} bytes)"))
        self.notify(f"Rollback document written to {path}.", title="Exported")
