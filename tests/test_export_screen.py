"""The export screen has `rollback-console export` render the rollback document in a child
process, off the UI's interpreter: at 80x24 on a real incident's journal (actions on disk,
output read back from its file), the preview is the command line's document's first lines,
cut at the events the screen saw; the newest request wins; a write is journalled once the
file is in place, and quitting during one leaves neither a file nor a record."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import warnings
from asyncio.subprocess import Process
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, Select

from console.model.events import Kind
from console.ui import document_process
from console.ui.app import RollbackApp
from console.ui.document_process import CHILD_NICE, PREVIEW_LINES
from console.ui.screens.export import ExportScreen
from console.ui.widgets.document_view import DocumentView
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)

SIZE = (80, 24)
WAIT = 120.0  # s: a child renders the document, niced (CHILD_NICE): starved on a loaded machine


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export_child_unniced: None) -> RollbackApp:
    return populated_app(tmp_path, monkeypatch)


async def _export_screen(pilot: Pilot) -> ExportScreen:
    app = pilot.app
    app.attach(app.prepared)  # type: ignore[attr-defined]
    await app.push_screen("export")
    await until(pilot, lambda: isinstance(app.screen, ExportScreen))
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    await until(pilot, lambda: not screen.rendering, WAIT)
    return screen


def _lengthen(app: RollbackApp, events: int = 20_000) -> None:
    """Output enough that rendering the document takes its child seconds."""
    recorder = app.prepared.recorder  # type: ignore[attr-defined]
    for n in range(events):
        recorder.record(
            Kind.COMMAND_OUTPUT, stream="stdout", lines=[f"line {n}"], host="web-1", step="restore"
        )


async def _stopped_child(pilot: Pilot, screen: ExportScreen) -> Process:
    """The child just started, stopped (SIGSTOP): it cannot finish before what the test
    does next."""
    await until(pilot, lambda: bool(screen.exports.running), WAIT)
    child = screen.exports.running[-1]
    os.kill(child.pid, signal.SIGSTOP)
    return child


def _cli(journal: Path, *args: str) -> str:
    """The command line's document of the journal as it is on disk now."""
    done = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal.resolve()), *args],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout.decode()


def _head(document: str) -> str:
    """The preview of `document`: its first lines, and how many there are if cut."""
    lines = document.splitlines(keepends=True)
    if len(lines) <= PREVIEW_LINES:
        return document
    head = "".join(lines[:PREVIEW_LINES])
    return f"{head}\n\n… {document.count(chr(10)):,} lines in all: ^s writes them all.\n"


def _lines(widget: Label) -> list[str]:
    width, height = widget.outer_size
    return [strip.text.strip() for strip in widget.render_lines(Region(0, 0, width, height))]


async def _rendered(pilot: Pilot, screen: ExportScreen, format: str) -> None:
    await until(pilot, lambda: screen.shown is not None and screen.shown.format == format, WAIT)
    await until(pilot, lambda: not screen.rendering, WAIT)


@pytest.mark.parametrize("format", ["markdown", "json", "node"])
async def test_the_preview_is_the_command_lines_document(app: RollbackApp, format: str) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        journal = screen.incident.recorder.path
        screen.query_one("#export-format", Select).value = format
        await _rendered(pilot, screen, format)
        document = _cli(journal, "--format", format)
        assert screen.head == _head(document)
        if format == "json":  # longer than the preview: its head, and how long it is
            assert document.count("\n") > PREVIEW_LINES
            assert screen.head.endswith(" lines in all: ^s writes them all.\n")
        assert screen.query_one("#preview", DocumentView).text == screen.head
        count = len(screen.incident.recorder.events)
        note = screen.query_one("#preview-note", Label)
        assert str(note.render()) == f"Preview of the journal's {count} events."


async def test_starred_only_is_the_stars_of_the_events_the_screen_saw(app: RollbackApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        conductor = screen.incident
        journal = conductor.recorder.path
        note = next(e for e in conductor.recorder.events if e.kind == Kind.NOTE_ADDED)
        conductor.star(note.seq)
        await pilot.pause()
        screen.query_one("#starred-only", Checkbox).value = True
        await until(pilot, lambda: screen.shown is not None and screen.shown.starred, WAIT)
        await until(pilot, lambda: not screen.rendering, WAIT)
        starred = _cli(journal, "--starred-only")
        assert screen.head == _head(starred) and starred != _cli(journal)
        assert "bridge open on #inc-checkout" in screen.head

        # Unstarred after the preview: the preview keeps the stars it was asked with.
        conductor.star(note.seq, starred=False)
        await pilot.pause()
        assert screen.head == _head(starred)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.rendering, WAIT)
        assert screen.head == _head(_cli(journal, "--starred-only")) != _head(starred)


async def test_the_newest_request_wins_and_ends_the_older_child(
    app: RollbackApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(document_process, "CHILD_NICE", CHILD_NICE)  # the product's, asserted
    _lengthen(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        journal = screen.incident.recorder.path
        note = screen.query_one("#preview-note", Label)
        count = len(screen.incident.recorder.events)

        select = screen.query_one("#export-format", Select)
        select.value = "json"
        json_child = await _stopped_child(pilot, screen)
        assert screen.rendering
        # It waits for a CPU behind the console's UI thread, not the other way round.
        nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + CHILD_NICE)
        assert os.getpriority(os.PRIO_PROCESS, json_child.pid) == nice
        assert str(note.render()) == f"Rendering the document… ({count:,} events)"
        select.value = "node"
        await until(pilot, lambda: json_child.returncode is not None, WAIT)
        assert json_child.returncode == -signal.SIGKILL  # ended, not left to finish
        await _rendered(pilot, screen, "node")
        assert screen.head == _head(_cli(journal, "--format", "node"))
        assert str(screen.query_one("#export-path").value).endswith("rollback-node.md")
        assert screen.exports.running == []


async def test_new_events_mark_the_preview_stale_until_refreshed(app: RollbackApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        shown = screen.head
        for n in range(3):
            screen.incident.note(f"live note {n}")
        note = screen.query_one("#preview-note", Label)
        await until(pilot, lambda: "3 new events" in str(note.render()))
        assert not screen.rendering and screen.head == shown  # not re-rendered by itself
        assert str(note.render()) == (
            "3 new events since the preview — ^r refreshes. A write reads them all."
        )
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.rendering, WAIT)
        assert "live note 2" in screen.head and "live note 2" not in shown


async def test_its_own_write_is_not_news_against_the_preview(
    app: RollbackApp, tmp_path: Path
) -> None:
    """Right after ^s the note read `1 new event since the preview`: the write's record."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        note = screen.query_one("#preview-note", Label)
        previewed = str(note.render())
        assert previewed.startswith("Preview of the journal's "), previewed
        screen.query_one("#export-path", Input).value = str(tmp_path / "doc.md")
        await pilot.press("ctrl+s")
        status = screen.query_one("#export-status", Label)
        await until(pilot, lambda: str(status.render()).startswith("✔ Written"), WAIT)
        assert str(note.render()) == previewed
        screen.incident.note("a note after the write")  # news: counted
        await until(pilot, lambda: "since the preview" in str(note.render()))
        assert str(note.render()).startswith("1 new event since"), str(note.render())
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.rendering, WAIT)
        assert "a note after the write" in screen.head
        await pilot.press("ctrl+s")
        written = screen.incident.state.exports
        await until(pilot, lambda: len(written) == 2 and screen._writing is None, WAIT)
        assert str(note.render()).startswith("Preview of the journal's "), str(note.render())


async def test_write_is_the_journal_at_that_moment_as_the_cli_exports_it(
    app: RollbackApp, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        conductor = screen.incident
        journal = conductor.recorder.path
        conductor.note("written after the preview was rendered")
        await pilot.pause()
        cli = _cli(journal).encode()
        target = tmp_path / "exports-for-the-postmortem" / "of-the-checkout-incident" / "doc.md"
        screen.query_one("#export-path").value = str(target)
        status = screen.query_one("#export-status", Label)
        screen.action_write()
        screen.action_write()  # a second write while one runs is refused
        assert str(status.render()) == f"… Still writing {target}: wait for it."
        # Events recorded while the child writes are not in the document.
        conductor.note("recorded while the document was being written")
        await until(pilot, lambda: bool(conductor.state.exports), WAIT)
        assert target.read_bytes() == cli
        assert b"written after the preview was rendered" in cli
        assert b"written after the preview was rendered" not in screen.head.encode()
        written = [e for e in conductor.recorder.events if e.kind == Kind.EXPORT_WRITTEN]
        assert [(e.data.path, e.data.format) for e in written] == [(str(target), "markdown")]
        assert sorted(p.name for p in target.parent.iterdir()) == ["doc.md"]  # nothing staged

        # The path is shown whole at 80 columns: on a line of its own, wrapped if need be.
        await pilot.pause()
        lines = _lines(status)
        assert lines[0] == f"✔ Written ({len(cli):,} bytes):"
        assert "".join(lines[1:]) == str(target)


async def test_the_preview_is_wrapped_again_at_a_new_width_only(
    app: RollbackApp, tmp_path: Path
) -> None:
    """The preview's lines are wrapped at its width; made lower by the status above it
    taking three lines (a write's), it leaves them as they were; narrowed, it wraps them
    again."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        view = screen.query_one("#preview", DocumentView)
        wrapped = view.wrapped_document

        def widest() -> int:
            lines = range(view.document.line_count)
            return max(len(section) for n in lines for section in wrapped.get_sections(n))

        assert 0 < widest() <= view.wrap_width == wrapped._width
        offsets = wrapped._wrap_offsets  # a new list at each wrap
        height, width = view.size.height, view.wrap_width
        screen.query_one("#export-path").value = str(tmp_path / "doc.md")
        screen.action_write()
        await until(pilot, lambda: bool(screen.incident.state.exports), WAIT)
        await until(pilot, lambda: view.size.height < height)
        assert wrapped._wrap_offsets is offsets and wrapped._width == view.wrap_width == width
        view.styles.width = SIZE[0] // 2
        await until(pilot, lambda: wrapped._width == view.wrap_width < width)
        assert widest() <= view.wrap_width and wrapped._wrap_offsets is not offsets


async def test_quitting_during_a_write_leaves_no_file_and_no_record(
    app: RollbackApp, tmp_path: Path
) -> None:
    target = tmp_path / "exports" / "doc.md"
    _lengthen(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        conductor = screen.incident
        journal = conductor.recorder.path
        screen.query_one("#export-path").value = str(target)
        screen.action_write()
        child = await _stopped_child(pilot, screen)  # still writing when the app quits
        app.exit()
    # Killed as the app quit; reaped when it has died (at its lower priority, that may take
    # a busy machine a moment).
    assert await asyncio.wait_for(child.wait(), WAIT) == -signal.SIGKILL
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert "export.written" not in journal.read_text()


async def test_quitting_during_a_preview_leaves_nothing_of_its_child_to_the_loops_end(
    app: RollbackApp,
) -> None:
    """Killed as the app quit, the child was never reaped nor its stderr pipe read to its
    end: its transport stayed open, and the garbage collector met it after the loop had
    closed (in whatever test ran next: once a UI resume test), printing "Exception ignored
    in BaseSubprocessTransport.__del__ ... RuntimeError: Event loop is closed"."""
    _lengthen(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        screen.action_preview()
        child = await _stopped_child(pilot, screen)  # still rendering when the app quits
        app.exit()
    # Reaped before the app's run ended, by asyncio, which read its true status (255 once,
    # when a second kill's poll took it: tests/test_document_process.py).
    assert child.returncode == -signal.SIGKILL
    del child, screen
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    unclosed = [str(w.message) for w in caught if "unclosed transport" in str(w.message)]
    assert unclosed == []


async def test_the_document_is_rendered_by_the_installed_program_never_one_in_the_cwd(
    app: RollbackApp, tmp_path: Path
) -> None:
    """The child was `python -m console export`, which imports a `console` package (or
    console.py) from the directory the console was started in before the program: on a
    shared jump host, anyone who could write there ran their code as the commander at F6
    (as serve's follow views did). A decoy there (the app's, tmp_path) is never imported."""
    marker = tmp_path / "decoy-ran"
    for name in ("console/__init__.py", "console/__main__.py", "console.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        journal = screen.incident.recorder.path
        assert not marker.exists(), f"imported from the working directory: {marker.read_text()}"
    for name in ("console/__init__.py", "console/__main__.py", "console.py"):
        (tmp_path / name).unlink()  # the command line's own, to compare with
    assert screen.head == _head(_cli(journal, "--format", "markdown"))


async def test_the_path_shows_its_file_name_at_80_columns(app: RollbackApp) -> None:
    """The default path's end is in view: the incident's directory and the file name (at
    80x24 a jump host's journal directory left `/home/…/incidents/2026120` alone)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        field = screen.query_one("#export-path", Input)
        await pilot.pause()
        left = field.scroll_offset.x
        shown = field.render_line(0).crop(left, left + field.content_size.width).text
        assert shown.rstrip().endswith("rollback.md"), shown
        assert field.value.endswith("/rollback.md") and not shown.startswith(field.value[:8])
