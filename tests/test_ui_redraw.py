"""What a screen hides is not redrawn: events redraw the parts of the top screen they change."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment
from textual import messages
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Static

from console.model.events import Kind
from console.ui.messages import JournalChanged
from console.ui.screens.base import _same_room
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.home import HomeScreen
from console.ui.widgets.output_log import OutputLog
from console.ui.widgets.scrollbars import RowOnceScrollBar
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)


async def test_home_under_an_incident_screen_never_redraws_the_whole_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home, beneath the execution screen, hears every batch of journal events; in
    Textual's way it counted as showing through, and each batch redrew the whole top
    screen (the largest cost on the UI's loop at 200 hosts streaming)."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        home = app.screen
        assert isinstance(home, HomeScreen)
        await app.push_screen("execution")
        await pilot.pause(0.1)
        top = app.screen
        assert not home.is_current and top.is_current
        compositor = top._compositor
        full_redraws: list[int] = []
        render_full_update = compositor.render_full_update

        def counted(*args, **kwargs):
            full_redraws.append(1)
            return render_full_update(*args, **kwargs)

        monkeypatch.setattr(compositor, "render_full_update", counted)
        for i in range(10):
            app.prepared.note(f"note {i}")
            await pilot.pause(0.05)
        await until(pilot, lambda: not app._pending)
        await pilot.pause(0.1)
        assert full_redraws == []

        app.prompt_note()  # a dialog shows the screen beneath through its backdrop
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        assert top.is_current and not home.is_current
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is top)
        app.pop_screen()
        await until(pilot, lambda: app.screen is home)
        assert home.is_current


async def test_a_line_that_keeps_its_room_is_redrawn_without_a_layout_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The execution screen's counts change with every host that finishes: one line that
    stays one line redraws itself alone, and shows the new words; one that wraps, grows
    a line or sizes its widget lays the screen out."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(160, 40)) as pilot:
        conductor = app.prepared
        app.attach(conductor)
        await app.push_screen("execution")
        screen = app.screen
        await until(pilot, lambda: "2 of 3 hosts finished" in _screen_text(app))
        counts = screen.query_one("#exec-counts", Static)
        layouts: list[bool] = []
        update = counts.update

        def recorded(content="", *, layout: bool = True) -> None:
            layouts.append(layout)
            update(content, layout=layout)

        monkeypatch.setattr(counts, "update", recorded)
        where = {"system": "web", "host": "web-3", "step": "restore"}
        conductor.recorder.record(
            Kind.COMMAND_RESULT, stage="action", final=True, exit_status=0, duration=0.5, **where
        )
        await until(pilot, lambda: "3 of 3 hosts finished" in _screen_text(app))
        assert layouts and not any(layouts)
        assert counts.size.height == 1
        assert _same_room(counts, "one line", "another line")
        assert not _same_room(counts, "one line", "two\nlines")
        assert not _same_room(counts, "one line", "wide " * 100)
        counts.styles.width = "auto"
        assert not _same_room(counts, "one line", "another line")


async def test_batches_waiting_for_a_screen_sync_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A screen behind a busy loop finds several batches of events waiting, and Textual
    handles them in one go: one sync for all of them, not one each in the same stall."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(160, 40)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("execution")
        screen = app.screen
        await until(pilot, lambda: not app._pending)
        await pilot.pause(0.1)
        synced: list[int] = []
        sync = screen.sync
        monkeypatch.setattr(screen, "sync", lambda: (synced.append(1), sync()))
        last = app.prepared.recorder.events[-1]
        for _ in range(5):
            screen.post_message(JournalChanged([last]))
        await until(pilot, lambda: synced)
        await pilot.pause(0.1)
        # One for the five; under load a tick of the screen's own may add one more.
        assert 1 <= len(synced) <= 2, synced


def _screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_output_log_grows_without_a_layout_pass_and_keeps_its_last_lines() -> None:
    """Lines written to the output log scroll it and redraw it alone: Textual's Log laid
    the whole screen out at every write. It keeps its last `max_lines`, the newest in
    view, a host's control characters replaced."""

    class LogApp(App):
        CSS = "OutputLog { overflow-x: hidden; }"  # as app.tcss has it

        def compose(self) -> ComposeResult:
            yield OutputLog(id="output", max_lines=50)

    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(OutputLog)
        log.write_lines(["first"])
        await pilot.pause()
        layouts: list[object] = []
        refresh_layout = app.screen._refresh_layout
        app.screen._refresh_layout = lambda *a, **k: (layouts.append(a), refresh_layout(*a, **k))
        for batch in range(6):
            log.write_lines(f"line {batch * 10 + i} \x07bell" for i in range(10))
            await pilot.pause()
        assert layouts == []
        assert log.line_count == 50 and log.lines[-1] == "line 59 \x07bell"
        shown = _screen_text(app).splitlines()
        assert shown[-1].startswith("line 59 �bell"), shown
        assert shown[0].startswith("line 50 ")
        log.clear()
        await pilot.pause()
        assert log.line_count == 0 and not _screen_text(app).split()


async def test_the_execution_screen_opened_for_a_step_keeps_its_size_and_its_waves_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened to run a step, the execution screen is not laid out again for the Resize
    Textual posts it after its first layout (the size it has, with its breakpoint
    class), and keeps the step's waves line from the start, blank: the first wave
    starting (once the hosts are dialled) redraws that line alone, no layout pass."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(160, 40)) as pilot:
        conductor = app.prepared
        app.attach(conductor)
        await pilot.pause()
        app.exec_step = "restore"  # running in the record, before its first wave
        screen = app.get_screen("execution")
        resized: list[object] = []
        screen_resized = screen._screen_resized
        screen._screen_resized = lambda size: (resized.append(size), screen_resized(size))
        await app.push_screen(screen)
        await until(pilot, lambda: not app._pending)
        await pilot.pause(0.2)
        assert resized == [] and screen.has_class("-wide")
        assert screen.query_one("#exec-waves").display
        layouts: list[object] = []
        refresh_layout = screen._refresh_layout
        screen._refresh_layout = lambda *a, **k: (layouts.append(a), refresh_layout(*a, **k))
        for _ in range(20):  # the passes after a first show (the footer's keys) are over
            seen = len(layouts)
            await pilot.pause(0.3)
            if len(layouts) == seen:
                break
        layouts.clear()
        where = {"system": "web", "step": "restore"}
        hosts = ["web-1", "web-2", "web-3"]
        conductor.recorder.record(Kind.WAVE_STARTED, wave=1, waves=1, hosts=hosts, **where)
        await until(pilot, lambda: "Waves ? 1/1 cut short" in _screen_text(app))
        assert layouts == []


async def test_a_scroll_views_scrollbar_draws_as_textuals_own_at_every_position() -> None:
    """The output log's (and the host grid's) vertical scrollbar renders each different
    row once: every row is what Textual's ScrollBar renders for it, as the thumb moves
    and changes size, hovered and not."""

    class LogApp(App):
        CSS = "OutputLog { overflow-x: hidden; }"

        def compose(self) -> ComposeResult:
            yield OutputLog(id="output", max_lines=500)

    def rows(bar: ScrollBar, textuals: bool) -> list[list[Segment]]:
        region = Region(0, 0, *bar.size)
        if textuals:
            bar._styles_cache.clear()
            return [list(strip) for strip in ScrollBar.render_lines(bar, region)]
        return [list(strip) for strip in bar.render_lines(region)]

    app = LogApp()
    async with app.run_test(size=(40, 12)) as pilot:
        log = app.query_one(OutputLog)
        compared = 0
        for batch in range(12):
            log.write_lines(f"line {batch} {i}" for i in range(batch * 7 + 3))
            await pilot.pause()
            for y in (0, log.max_scroll_y // 3, log.max_scroll_y):
                log.scroll_to(y=y, animate=False)
                await pilot.pause()
                bar = log.vertical_scrollbar
                if not bar.display:
                    continue
                assert isinstance(bar, RowOnceScrollBar)
                for hovered in (False, True):
                    bar.mouse_over = hovered
                    mine = rows(bar, textuals=False)
                    assert mine == rows(bar, textuals=True)
                    compared += 1
        assert compared > 40


async def test_the_blank_rows_below_a_logs_lines_draw_as_textuals_own() -> None:
    """The output log renders its blank rows below the last line once (RepeatedRows):
    every row is what Textual renders for it, as lines come in and it scrolls."""

    class LogApp(App):
        CSS = "OutputLog { overflow-x: hidden; }"

        def compose(self) -> ComposeResult:
            yield OutputLog(id="output", max_lines=500)

    app = LogApp()
    async with app.run_test(size=(40, 12)) as pilot:
        log = app.query_one(OutputLog)
        region = Region(0, 0, *log.size)
        for count in (0, 1, 4, 9, 30):
            log.write_lines(f"line {i}" for i in range(count))
            await pilot.pause()
            for y in {0, log.max_scroll_y}:
                log.scroll_to(y=y, animate=False)
                await pilot.pause()
                mine = [list(strip) for strip in log.render_lines(region)]
                log._styles_cache.clear()
                assert mine == [list(strip) for strip in Widget.render_lines(log, region)]


async def test_the_execution_screens_first_layout_is_not_asked_for_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The widgets the execution screen's first layout placed (and the requests they
    made before it) ask for no second pass after it: Textual's virtual sizes and the
    messages posted before the pass did, a whole pass that changed nothing."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(160, 40)) as pilot:
        app.attach(app.prepared)
        await pilot.pause()
        app.exec_step = "restore"
        screen = app.get_screen("execution")
        asked: list[str] = []
        on_layout = Screen._on_layout

        async def recorded(self: Screen, message: messages.Layout) -> None:
            if self is screen:
                asked.append(f"{type(message.widget).__name__}#{message.widget.id}")
            await on_layout(self, message)

        monkeypatch.setattr(Screen, "_on_layout", recorded)
        await app.push_screen(screen)
        await until(pilot, lambda: bool(screen.query("FooterKey")))
        await pilot.pause(0.3)
        placed = {f"{type(w).__name__}#{w.id}" for w in screen.query("#exec-top, #exec-body *")}
        assert placed and not placed & set(asked), asked
        assert "Horizontal#exec-body" not in asked and "Row#exec-body" not in asked
