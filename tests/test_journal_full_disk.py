"""A journal whose disk fills up mid-rollback, on a real filesystem (a small tmpfs): the
record stops, nothing is sent after it, and the one line printed says so and how to go
on. It read 'error: internal error: OSError: [Errno 28] No space left on device (a bug:
please report it ...)'."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.actor import current_actor
from console.journal.files import JournalWriteFailed
from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.journal.terminal_line import PlaceColumn
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.state import fold
from tests.test_ui_resume import checklist_shown, half_done, resumed_app
from tests.test_ui_support import START, demo_settings, until

SIZE = 256 * 1024
FREE = 30 * 1024  # the incident's first events fit; the rollback step's do not


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode:
        pytest.skip(f"no tmpfs to fill here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_record_and_the_sending_and_says_how_to_go_on(small_disk, tmp_path):
    (small_disk / "filler").write_bytes(b"\0" * (SIZE - FREE))
    journal = small_disk / "incident"
    argv = [
        sys.executable, "-m", "console", "run", "--demo", "--systems", "web",
        "--strategy", "version-rollback", "--trigger", "user-impact",
        "--reason", "full disk", "--yes", "--journal", str(journal),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)

    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # nothing after it (tests/test_demo_fleet_stop.py)
    said = lines[0]
    # Which of the record's two files meets the full disk first depends on tmpfs's pages
    # (the fresh-clone run of 6a760d1: output.jsonl); the line names the one that did.
    assert said in {
        f"error: the journal stopped: {journal / name}: cannot be written: No space left on"
        " device; nothing more was sent to any host, and a host whose command was sent with"
        f" no outcome on record reads unknown: free the space, then rollback-console resume"
        f" {journal}"
        for name in ("journal.jsonl", "output.jsonl")
    }, said
    # Every command shown as sent has its intent on disk (written ahead), the torn tail
    # of the line that did not fit set aside when read.
    events = read_journal(journal).events
    places = PlaceColumn()  # as the run's lines learnt it, from the same events
    written = {line for e in events for line in places.line(e).splitlines()}
    sent = [ln for ln in done.stdout.splitlines() if " sending " in ln]
    assert sent and all(ln in written for ln in sent), sent
    assert any(e.kind == Kind.COMMAND_INTENT for e in events)


async def test_the_console_ends_with_the_journal_and_says_why_not_with_a_traceback(
    small_disk, tmp_path
):
    """Seen in the console at 80x24: notes added on a disk that filled up; the one that
    did not fit ended the console with a Rich traceback across the screen (and a step's
    worker would have kept its error silently, the console going on with no record)."""
    journal, _, notes = half_done(small_disk / "incidents")
    # A page left (what is free, each file's pages and the locks' counted): a few notes
    # fit, typed key by key.
    disk = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (disk.f_bavail * disk.f_frsize - 4 * 1024))
    engine = Engine(demo_settings(), tmp_path / "incidents")
    app = resumed_app(engine, journal)
    added: list[str] = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: checklist_shown(app))
            for index in range(60):  # the disk is full long before
                if app.journal_stopped is not None:
                    break
                text = f"note {index}: 5xx up on web-2"  # typed: each key is a turn
                await pilot.press("n")
                await pilot.pause()
                await pilot.press(*text, "enter")
                await pilot.pause()
                if app.journal_stopped is None:
                    added.append(text)
    finally:
        await engine.close()
    assert isinstance(app.journal_stopped, JournalWriteFailed), added
    assert app.return_code == 1
    assert app._exception is None  # ended by the console, not by a traceback
    on_disk = [t for _, t in fold(read_journal(journal).events).notes]
    assert added and on_disk == notes + added  # every note said added is on record


def _fill(disk: Path) -> None:
    """Every byte left on the filesystem taken."""
    descriptor = os.open(disk / "rest", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for _ in range(SIZE // 512 + 1):
            os.write(descriptor, b"\0" * 512)
    except OSError:
        return
    finally:
        os.close(descriptor)
    raise AssertionError("the disk did not fill")


async def test_an_event_whose_write_failed_is_never_reported_synced(small_disk):
    """Group commit on a disk that fills up: host A's fsync is in flight when host B's
    intent, held by the loop, fails to be written. B's sync waited on A's fsync, then
    started another, which found nothing held and returned: B reported on disk, and its
    command would have been sent with no intent on record."""
    loop = asyncio.get_running_loop()
    fsyncs = ThreadPoolExecutor(max_workers=1)  # a busy thread holds A's fsync back
    loop.set_default_executor(fsyncs)
    released = threading.Event()
    fsyncs.submit(released.wait, 60)
    recorder = Recorder.open(small_disk / "incident", FixedClock(START), current_actor())
    try:
        recorder.record(Kind.NOTE_ADDED, text="opened")
        recorder.record_deferred(Kind.NOTE_ADDED, text="host a's intent")
        a = asyncio.ensure_future(recorder.sync())
        for _ in range(3):  # A's line written by the loop's flush; its fsync waits
            await asyncio.sleep(0)
        _fill(small_disk)

        async def host_b() -> None:  # as the runner does: hold the intent, then sync
            recorder.record_deferred(Kind.NOTE_ADDED, text="host b's intent " + "x" * 8192)
            await recorder.sync()

        b = asyncio.ensure_future(host_b())
        for _ in range(3):  # B's sync waits on A's fsync; the flush of B's line (more than
            # the page the file has room in) fails
            await asyncio.sleep(0)
        released.set()
        await a
        with pytest.raises(JournalWriteFailed):
            await b
    finally:
        released.set()
        loop.set_default_executor(ThreadPoolExecutor())
        fsyncs.shutdown()
    texts = [
        e.data.text
        for e in read_journal(small_disk / "incident").events
        if e.kind == Kind.NOTE_ADDED
    ]
    assert texts == ["opened", "host a's intent"]
