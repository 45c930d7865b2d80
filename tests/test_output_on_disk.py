"""A live incident's output stays in output.jsonl, not in memory (issue 18), and every
screen and the export still show all of it, read back from the file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual.widgets import Log

from console.demo.fleet import DemoFleet
from console.journal import event_log
from console.journal.event_log import RECENT, RECENT_CHARACTERS, read_documented, read_log
from console.journal.export import EXPORT_FORMATS
from console.journal.files import JOURNAL_NAME, OUTPUT_NAME
from console.journal.recorder import Recorder
from console.journal.store import JournalStream, Unread, read_journal
from console.journal.tail import JournalTail
from console.model.clock import FixedClock
from console.model.events import Event, Kind
from console.model.payloads import CommandOutput, CommandResult
from console.ui.follow import FollowedJournal
from console.ui.screens.export import ExportScreen
from console.ui.screens.timeline import TimelineScreen
from console.ui.widgets.event_list import EventList
from console.ui.widgets.host_grid import HostGrid
from tests.events_factory import COMMANDER, START, recorder_in
from tests.test_exports import CASES, journal_of
from tests.test_ui_live_exec import _adhoc, _done
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
    until_shown,
)

OUTPUTS = RECENT + 500


async def _chatty(recorder: Recorder, start: int = 0) -> None:
    """OUTPUTS output events as a live run records them, a few per loop iteration."""
    recorder.record(Kind.NOTE_ADDED, text="a run starts")
    for i in range(start, start + OUTPUTS):
        recorder.record(
            Kind.COMMAND_OUTPUT, host="web-1", step="s", stream="stdout", lines=[f"l{i}"]
        )
        if i % 7 == 0:
            await asyncio.sleep(0)
    recorder.flush()


def _lines(events) -> list[str]:
    return [ln for e in events if isinstance(e.data, CommandOutput) for ln in e.data.lines]


def test_output_of_a_live_incident_is_left_on_disk_and_read_back(tmp_path: Path) -> None:
    recorder = recorder_in(tmp_path)
    asyncio.run(_chatty(recorder))
    events = recorder.events
    assert len(events) == OUTPUTS + 1
    assert events.held == len(events.actions) + RECENT  # the newest output only
    assert [e.kind for e in events.actions] == [Kind.NOTE_ADDED]
    assert _lines(events) == [f"l{i}" for i in range(OUTPUTS)]  # the oldest read back
    assert events[1].data.lines == ["l0"] and events[-1].data.lines == [f"l{OUTPUTS - 1}"]
    recorder.close()
    assert list(events) == read_journal(tmp_path).events  # what was shown is what is kept


def test_long_lines_are_left_on_disk_too(tmp_path: Path) -> None:
    """Seen on a real sshd fleet: `exec` on two hosts printing forty lines of 1 MB each
    (a minified file, a binary cat) peaked at 147 MB, every line held: the output kept as
    objects was bounded by its events (2,048), not by what they hold."""
    recorder = recorder_in(tmp_path)
    line, count = "y" * 1_000_000, 3 * RECENT_CHARACTERS // 1_000_000
    for i in range(count):
        recorder.record(
            Kind.COMMAND_OUTPUT, host="web-1", step="s", stream="stdout", lines=[f"{i}{line}"]
        )
    recorder.flush()
    events = recorder.events
    assert 1 <= events.held - len(events.actions) <= RECENT_CHARACTERS // len(line)
    said = [ln[:3] for ln in _lines(events)]  # every line read back, from the file
    assert said == [f"{i}yy"[:3] for i in range(count)]
    recorder.close()


def test_a_resumed_incident_reads_its_output_from_disk_and_places_new_output(
    tmp_path: Path,
) -> None:
    recorder = recorder_in(tmp_path)
    asyncio.run(_chatty(recorder))
    recorder.close()
    with (tmp_path / OUTPUT_NAME).open("ab") as torn:  # a crash mid-write: set aside on open
        torn.write(b'{"v": 1, "seq": 99')
    again = Recorder.open(tmp_path, FixedClock(START), COMMANDER)
    assert again.events.held <= len(again.events.actions) + RECENT
    assert again.state.last_seq == OUTPUTS
    asyncio.run(_chatty(again, start=OUTPUTS))
    again.close()
    assert _lines(again.events) == [f"l{i}" for i in range(2 * OUTPUTS)]
    assert list(again.events) == read_journal(tmp_path).events


def test_a_follower_reads_the_output_it_tails_back_from_disk(tmp_path: Path) -> None:
    """The follow view places what it tails too: a torn line the writer sets aside on
    resuming leaves the offsets of what follows right."""
    writer = recorder_in(tmp_path)
    asyncio.run(_chatty(writer))
    writer.close()
    with (tmp_path / OUTPUT_NAME).open("ab") as torn:
        torn.write(b'{"v": 1, "seq": 99')
    tail = JournalTail(tmp_path / JOURNAL_NAME)
    followed = FollowedJournal(tmp_path / JOURNAL_NAME, tail.poll_placed())
    again = Recorder.open(tmp_path, FixedClock(START), COMMANDER)  # the torn line set aside
    asyncio.run(_chatty(again, start=OUTPUTS))
    again.close()
    followed.feed(tail.poll_placed())
    assert followed.events.held <= len(followed.events.actions) + RECENT
    assert _lines(followed.events) == [f"l{i}" for i in range(2 * OUTPUTS)]
    assert list(followed.events) == read_journal(tmp_path).events


async def test_screens_and_export_show_output_no_longer_held(
    tmp_path: Path, monkeypatch, export_child_unniced
) -> None:
    monkeypatch.setattr(event_log, "RECENT", 4)  # a short window: most output is on disk
    command = "for i in $(seq 1 40); do echo line-$i; sleep 0.01; done"
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await _adhoc(pilot, command)
            await until(pilot, lambda: _done(app, "adhoc-1", 3))
            events = app.conductor.recorder.events
            await until(pilot, lambda: events.held <= len(events.actions) + 4)
            outputs = [i for i in range(len(events)) if events.place(i)[0] == Kind.COMMAND_OUTPUT]
            assert len(outputs) > 4

            grid = app.screen.query_one("#grid", HostGrid)
            grid.move_to_key("web-2")
            log = app.screen.query_one("#output", Log)
            await until(pilot, lambda: sum(ln.startswith("line-") for ln in log.lines) >= 40)
            assert [ln for ln in log.lines if ln.startswith("line-")] == [
                f"line-{i}" for i in range(1, 41)
            ]

            await pilot.press("f4")
            await until(pilot, lambda: isinstance(app.screen, TimelineScreen))
            screen = app.screen
            screen.set_filter("output web-3")
            rows = screen.query_one("#timeline", EventList)
            web3 = sum(1 for i in outputs if events.place(i)[2] == "web-3")
            await until(pilot, lambda: rows.row_count == web3)
            first = rows.fetch(rows.rows[0])
            assert first.where.host == "web-3" and first.data.lines[0] == "line-1"
            rows.move_to(0)
            await until_shown(pilot, "#timeline-detail", "line-1")  # drawn at the move's message

            await pilot.press("escape", "f6")
            await until(pilot, lambda: isinstance(app.screen, ExportScreen))
            document = json.loads(await _json(pilot))
            exported = [
                ln
                for e in document["events"]
                if e["kind"] == Kind.COMMAND_OUTPUT
                for ln in e["data"]["lines"]
            ]
            assert sorted(exported) == sorted(f"line-{i}" for i in range(1, 41) for _ in range(3))


async def _json(pilot) -> str:
    """The export screen's JSON document, as it writes it (its preview is the first lines)."""
    from textual.widgets import Select

    screen = pilot.app.screen
    screen.query_one("#export-format", Select).value = "json"
    # a child renders each (`export`): seconds on a loaded machine, beyond until's 20 s
    await until(pilot, lambda: not screen.rendering and screen.shown.format == "json", 120.0)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: bool(pilot.app.conductor.state.exports), 120.0)
    return Path(pilot.app.conductor.state.exports[-1]["path"]).read_text()


@pytest.mark.parametrize("case", CASES)
def test_a_document_read_without_the_commands_stdout_is_the_same(tmp_path: Path, case) -> None:
    """The Markdown and node documents are rendered from the journal without the commands'
    stdout (they show stderr only), its lines not even parsed: the same bytes, a starred
    stdout kept."""
    journal = journal_of(case, tmp_path)
    if case == "handmade":  # star its stdout: a starred-only document shows it
        recorder = Recorder.open(journal.parent, FixedClock(START), COMMANDER)
        stdout = next(e for e in recorder.events if e.kind == Kind.COMMAND_OUTPUT)
        recorder.record(Kind.EVENT_STARRED, seq=stdout.seq)
        recorder.close()
    events = read_journal(journal).events
    read = read_documented(journal)
    stars = read_log(journal).state.stars
    stdout = [e for e in events if isinstance(e.data, CommandOutput) and e.data.stream == "stdout"]
    kept = [e for e in stdout if e.seq in stars]
    assert read.events == [e for e in events if e not in stdout or e in kept] and stdout
    assert read.total == len(events)
    # Every stdout line of the output file was left unparsed.
    unread = [e.seq for e in JournalStream(journal).documented() if isinstance(e, Unread)]
    assert unread == [e.seq for e in stdout]
    for name in ("markdown", "node"):
        for starred in (False, True):
            full = EXPORT_FORMATS[name].render(events, starred)
            assert EXPORT_FORMATS[name].render(read.events, starred, read.total) == full
    assert [e for e in read.events if e in kept] == kept and (kept or case != "handmade")
    half = len(events) // 2  # the journal as it was then: a star after it does not count
    first, stars = read_documented(journal, first=half), read_log(journal, first=half).state.stars
    assert first.total == half
    assert [e for e in first.events if e not in stdout] == [
        e for e in events[:half] if e not in stdout
    ]
    # Of the stdout, the starred, and the last lines of a stage not ended then (or failed):
    # the Failures say how far it got (console/journal/tails.py).
    shown = {e.seq for e in first.events if e in stdout}
    assert shown <= stars | _not_ended_ok(events[:half]), shown
    for name in ("markdown", "node"):
        full = EXPORT_FORMATS[name].render(events[:half], False)
        assert EXPORT_FORMATS[name].render(first.events, False, first.total) == full


def _not_ended_ok(events: list[Event]) -> set[int]:
    """The stdout lines of a stage whose result is not among `events`, or failed."""
    out = set()
    for index, event in enumerate(events):
        if isinstance(event.data, CommandOutput) and event.data.stream == "stdout":
            place = (event.where.step, event.where.host)
            result = next(
                (
                    e.data
                    for e in events[index + 1 :]
                    if isinstance(e.data, CommandResult) and (e.where.step, e.where.host) == place
                ),
                None,
            )
            if result is None or result.failure or result.aborted:
                out.add(event.seq)
    return out
