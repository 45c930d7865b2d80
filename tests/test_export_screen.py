"""The export screen renders the rollback document in a worker thread, off the UI loop:
at 80x24 on a real incident's journal (actions on disk, output read back from its file)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Label, Select, Static

from console.journal.event_log import read_log
from console.journal.export import EXPORT_FORMATS
from console.model.events import Kind
from console.ui.app import RollbackApp
from console.ui.screens.export import PREVIEW_LINES, ExportScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)

SIZE = (80, 24)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RollbackApp:
    return populated_app(tmp_path, monkeypatch)


async def _export_screen(pilot: Pilot) -> ExportScreen:
    app = pilot.app
    app.attach(app.prepared)  # type: ignore[attr-defined]
    await app.push_screen("export")
    await until(pilot, lambda: isinstance(app.screen, ExportScreen))
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    await until(pilot, lambda: not screen.rendering)
    return screen


def _document(journal: Path, format: str) -> str:
    """The document of the journal as it is on disk now."""
    read = read_log(journal)
    try:
        return EXPORT_FORMATS[format].of_log(read.log, read.state.stars, False)
    finally:
        read.log.close()


def _lines(widget: Label) -> list[str]:
    width, height = widget.outer_size
    return [strip.text.strip() for strip in widget.render_lines(Region(0, 0, width, height))]


async def test_the_preview_renders_in_a_worker_and_the_newest_format_wins(
    app: RollbackApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        journal = screen.incident.recorder.path
        assert screen.shown is not None and screen.shown.format == "markdown"
        assert screen.text == _document(journal, "markdown")
        count = len(screen.incident.recorder.events)
        note = screen.query_one("#preview-note", Label)
        assert str(note.render()) == f"Preview of the journal's {count} events."

        # Asked on the loop, rendered in a thread: until its result comes back the
        # preview says so, and keeps what it showed.
        screen.action_preview()
        assert screen.rendering
        assert str(note.render()) == f"Rendering the document… ({count} events)"
        assert screen.text == _document(journal, "markdown")

        # JSON, then node before JSON's render is shown: node's document is the one left.
        select = screen.query_one("#export-format", Select)
        select.value = "json"
        screen.action_preview()
        json_render = screen._preview
        select.value = "node"
        screen.action_preview()
        assert screen._preview is not json_render
        assert json_render is not None and json_render.is_cancelled
        await until(pilot, lambda: not screen.rendering)
        assert screen.shown is not None and screen.shown.format == "node"
        assert screen.text == _document(journal, "node")
        assert str(screen.query_one("#export-path").value).endswith("rollback-node.md")


async def test_new_events_mark_the_preview_stale_until_refreshed(
    app: RollbackApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        shown = screen.text
        for n in range(3):
            screen.incident.note(f"live note {n}")
        note = screen.query_one("#preview-note", Label)
        await until(pilot, lambda: "3 new events" in str(note.render()))
        assert not screen.rendering and screen.text == shown  # not re-rendered by itself
        assert str(note.render()) == (
            "3 new events since the preview — ^r refreshes. A write reads them all."
        )
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.rendering)
        assert "live note 2" in screen.text and "live note 2" not in shown


async def test_write_is_the_journal_at_that_moment_as_the_cli_exports_it(
    app: RollbackApp, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        conductor = screen.incident
        journal = conductor.recorder.path
        conductor.note("written after the preview was rendered")
        await pilot.pause()
        cli = subprocess.run(
            [sys.executable, "-m", "console", "export", str(journal.resolve())],
            capture_output=True,
            timeout=60,
            check=True,
        )
        target = tmp_path / "exports-for-the-postmortem" / "of-the-checkout-incident" / "doc.md"
        screen.query_one("#export-path").value = str(target)
        status = screen.query_one("#export-status", Label)
        screen.action_write()
        screen.action_write()  # a second write while one runs is refused
        assert str(status.render()) == f"… Still writing {target}: wait for it."
        await until(pilot, lambda: bool(conductor.state.exports))
        assert target.read_bytes() == cli.stdout
        assert b"written after the preview was rendered" in cli.stdout
        assert b"written after the preview was rendered" not in screen.text.encode()
        written = [e for e in conductor.recorder.events if e.kind == Kind.EXPORT_WRITTEN]
        assert [(e.data.path, e.data.format) for e in written] == [(str(target), "markdown")]

        # The path is shown whole at 80 columns: on a line of its own, wrapped if need be.
        await pilot.pause()
        lines = _lines(status)
        assert lines[0] == f"✔ Written ({len(cli.stdout):,} bytes):"
        assert "".join(lines[1:]) == str(target)


async def test_the_preview_shows_the_documents_head_and_the_write_all_of_it(
    app: RollbackApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        screen.query_one("#export-format", Select).value = "json"
        await until(pilot, lambda: screen.shown is not None and screen.shown.format == "json")
        await until(pilot, lambda: not screen.rendering)
        document = _document(screen.incident.recorder.path, "json")
        lines = document.count("\n")
        assert lines > PREVIEW_LINES and screen.text == document
        shown = str(screen.query_one("#preview-text", Static).render())
        head = "".join(document.splitlines(keepends=True)[:PREVIEW_LINES])
        assert shown == f"{head}\n\n… {lines:,} lines in all: ^s writes them all.\n"
