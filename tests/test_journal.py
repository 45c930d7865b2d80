"""The journal reads itself back, tolerates a torn tail, and keeps its files private."""

import stat

import pytest

from console.journal.files import JOURNAL_NAME, OUTPUT_NAME, JournalError
from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.events import Kind
from tests.events_factory import COMMANDER, START, recorder_in


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_keeps_every_event_and_field(tmp_path):
    recorder = recorder_in(tmp_path / "inc")
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc-1", title="t")
    recorder.record(Kind.NOTE_ADDED, text='ünïcode ✓ and "quotes"\nand lines')
    recorder.close()
    read = read_journal(tmp_path / "inc" / JOURNAL_NAME)
    assert read.torn == []
    assert read.events == list(recorder.events)
    assert [e.seq for e in read.events] == [0, 1]


def test_files_are_0600_in_a_0700_directory(tmp_path):
    recorder = recorder_in(tmp_path / "inc")
    recorder.record(Kind.INCIDENT_OPENED, incident_id="inc-1")
    assert _mode(tmp_path / "inc") == 0o700
    assert _mode(tmp_path / "inc" / JOURNAL_NAME) == 0o600


def test_a_permissive_directory_is_tightened(tmp_path):
    loose = tmp_path / "inc"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    JournalWriter(loose / JOURNAL_NAME).close()
    assert _mode(loose) == 0o700


def test_a_torn_last_line_is_reported_not_fatal(tmp_path):
    recorder = recorder_in(tmp_path)
    for i in range(3):
        recorder.record(Kind.NOTE_ADDED, text=f"n{i}")
    recorder.close()
    path = tmp_path / JOURNAL_NAME
    with path.open("ab") as handle:
        handle.write(b'{"v": 1, "seq": 3, "ts": "2026-11-28T09:')
    read = read_journal(path)
    assert len(read.events) == 3
    assert [t.line for t in read.torn] == [4]


def test_reopening_moves_the_torn_tail_aside_and_appends_cleanly(tmp_path):
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.NOTE_ADDED, text="before the crash")
    recorder.close()
    path = tmp_path / JOURNAL_NAME
    torn = b'{"v": 1, "seq": 1, "ts'
    with path.open("ab") as handle:
        handle.write(torn)
    writer = JournalWriter(path)
    assert writer.repaired is not None
    writer.close()
    aside = list(tmp_path.glob(f"{JOURNAL_NAME}.torn-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == torn
    reopened = Recorder.open(tmp_path, FixedClock(START), COMMANDER)
    reopened.record(Kind.NOTE_ADDED, text="after")
    read = read_journal(path)
    assert read.torn == []
    assert [e.data.text for e in read.events] == ["before the crash", "after"]
    assert [e.seq for e in read.events] == [0, 1]


@pytest.mark.parametrize("name", [JOURNAL_NAME, OUTPUT_NAME])
def test_a_link_at_a_journal_files_name_is_not_written_through(tmp_path, name):
    """On main the writer followed it: the linked file's unterminated last line was cut
    off (set aside as a torn tail) and the file made 0600."""
    precious = tmp_path / "notes.txt"
    precious.write_bytes(b"kept\nlast line, no newline")
    precious.chmod(0o644)
    incident = tmp_path / "inc"
    incident.mkdir(mode=0o700)
    (incident / name).symlink_to(precious)
    with pytest.raises(JournalError) as said:
        JournalWriter(incident / JOURNAL_NAME)
    assert str(said.value) == (
        f"{incident / name}: cannot be opened for writing: a symbolic link: name the file itself"
    )
    assert precious.read_bytes() == b"kept\nlast line, no newline"
    assert _mode(precious) == 0o644


def test_a_damaged_middle_line_names_the_file_and_line(tmp_path):
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.NOTE_ADDED, text="one")
    recorder.close()
    path = tmp_path / JOURNAL_NAME
    content = path.read_bytes()
    path.write_bytes(b"not json\n" + content)
    with pytest.raises(JournalError, match=f"{path}:1: not a journal event"):
        read_journal(path)


def test_output_lives_beside_the_journal_and_reads_back_in_order(tmp_path):
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.COMMAND_INTENT, host="web-1", step="s", command="x", stage="run")
    recorder.record(Kind.COMMAND_OUTPUT, host="web-1", step="s", stream="stdout", lines=["a"])
    recorder.record(Kind.COMMAND_RESULT, host="web-1", step="s", stage="run", exit_status=0)
    recorder.close()
    journal = (tmp_path / JOURNAL_NAME).read_text()
    output = (tmp_path / OUTPUT_NAME).read_text()
    assert "command.output" not in journal and journal.count("\n") == 2
    assert output.count("\n") == 1 and '"lines":["a"]' in output
    assert [e.kind for e in read_journal(tmp_path).events] == [
        Kind.COMMAND_INTENT,
        Kind.COMMAND_OUTPUT,
        Kind.COMMAND_RESULT,
    ]


async def test_hosts_starting_together_share_one_fsync(tmp_path):
    import asyncio

    recorder = recorder_in(tmp_path)
    calls = []
    real = recorder.writer.fsync
    recorder.writer.fsync = lambda: (calls.append(1), real())

    async def host(name):
        event = recorder.record_deferred(Kind.COMMAND_INTENT, host=name, command="x", stage="run")
        await recorder.sync()
        return event in read_journal(tmp_path).events  # this host's intent, on disk

    assert all(await asyncio.gather(*(host(f"h{i}") for i in range(20))))
    assert 1 <= len(calls) <= 2
    await recorder.sync()
    assert len(calls) <= 2  # nothing new to make durable: no further fsync
    recorder.close()


async def test_a_failed_fsync_fails_every_host_waiting_on_it(tmp_path):
    """No host waits forever on a group commit whose fsync failed, whatever it raised:
    each hears the failure (its command is then not sent)."""
    import asyncio

    recorder = recorder_in(tmp_path)

    def fsync():
        raise ValueError("the disk went away")

    recorder.writer.fsync = fsync

    async def host(name):
        recorder.record_deferred(Kind.COMMAND_INTENT, host=name, command="x", stage="run")
        await recorder.sync()

    hosts = [host(f"h{i}") for i in range(3)]
    done = await asyncio.wait_for(asyncio.gather(*hosts, return_exceptions=True), 10)
    assert [str(e) for e in done] == ["the disk went away"] * 3
    recorder.close()


async def test_a_burst_of_output_is_one_write_made_before_the_next_action(tmp_path, monkeypatch):
    import asyncio
    import os
    import types

    from console.journal import writer

    writes = []

    def write(fd, data):
        writes.append(bytes(data).count(b"\n"))
        return os.write(fd, data)

    monkeypatch.setattr(writer, "os", types.SimpleNamespace(**{**vars(os), "write": write}))
    recorder = recorder_in(tmp_path)
    where = {"host": "web-1", "step": "s"}
    recorder.record(Kind.COMMAND_INTENT, **where, command="x", stage="run")
    for n in range(50):
        recorder.record(Kind.COMMAND_OUTPUT, **where, stream="stdout", lines=[str(n)])
    assert writes == [1]  # the intent, written and fsync'd; the output held
    recorder.record(Kind.COMMAND_RESULT, **where, stage="run", exit_status=0)
    assert writes == [1, 50, 1]  # the output first, in one write, then the result
    for n in range(30):
        recorder.record(Kind.COMMAND_OUTPUT, **where, stream="stderr", lines=[str(n)])
    await asyncio.sleep(0)  # the end of this loop iteration
    assert writes == [1, 50, 1, 30]
    recorder.close()
    assert read_journal(tmp_path).events == list(recorder.events)


async def test_listeners_hear_of_an_event_only_once_it_is_written_in_order(tmp_path):
    """What a listener shows (the headless lines, the screens) must survive a kill -9:
    a held event is folded and told once written (tests/test_crash.py, "before the
    intent", lost a step's start a line had shown)."""
    import asyncio

    recorder = recorder_in(tmp_path)
    heard = []

    def listener(event):
        on_disk = read_journal(tmp_path).events
        heard.append((event.seq, event in on_disk, event in recorder.events))
        assert recorder.state.last_seq == event.seq

    recorder.subscribe(listener)
    where = {"host": "web-1", "step": "s"}
    recorder.record_deferred(Kind.STEP_STARTED, step="s", hosts=["web-1"], attempt=1)
    recorder.record(Kind.COMMAND_OUTPUT, **where, stream="stdout", lines=["a"])
    assert heard == [] and not recorder.events  # held: neither written nor told
    await asyncio.sleep(0)
    assert heard == [(0, True, True), (1, True, True)]
    recorder.record_deferred(Kind.COMMAND_INTENT, **where, command="x", stage="run")
    recorder.record(Kind.NOTE_ADDED, text="an action now: what is held goes first")
    assert heard[2:] == [(2, True, True), (3, True, True)]
    recorder.close()


async def test_hosts_waiting_on_a_group_commit_go_on_before_its_events_are_told(tmp_path):
    """A step's hosts send their commands as soon as their intents are on disk; the
    intents are folded and told (the headless lines, the screens) after that, not before
    the fsync with every host waiting (issue 18: ~7 ms of each gap between two steps at
    200 hosts). Still in order, and before anything recorded after them."""
    import asyncio

    recorder = recorder_in(tmp_path)
    order = []
    recorder.subscribe(lambda event: order.append(("told", event.where.host)))

    async def host(name):
        recorder.record_deferred(Kind.COMMAND_INTENT, host=name, command="x", stage="run")
        await recorder.sync(tell=False)  # as the runner's hosts do
        order.append(("sent", name))
        recorder.record_deferred(Kind.COMMAND_RESULT, host=name, stage="run", exit_status=0)

    await asyncio.gather(host("web-1"), host("web-2"))
    await recorder.sync()
    sent = [("sent", "web-1"), ("sent", "web-2")]
    assert order[:2] == sent and order[2:4] == [("told", "web-1"), ("told", "web-2")]
    assert order[4:] == [("told", "web-1"), ("told", "web-2")]  # the results, after
    kinds = [Kind.COMMAND_INTENT] * 2 + [Kind.COMMAND_RESULT] * 2
    assert [e.kind for e in recorder.events] == kinds
    recorder.close()


async def test_what_a_sync_covers_is_folded_when_it_returns(tmp_path):
    """Seen since a0b4d312 (test_wave_sizes_sshd): an undo stopped between its waves
    recorded its 6 hosts not started, synced, and its step's summary read 'Undo stopped
    between its waves: 1 succeeded': the state had not folded them yet (told a loop turn
    after the fsync, for the hosts' commands). A sync, but the hosts', tells first."""
    recorder = recorder_in(tmp_path)
    recorder.record_deferred(Kind.STEP_STARTED, step="restore")
    recorder.record_deferred(Kind.HOST_NOT_STARTED, host="web-2", step="restore", reason="no")
    await recorder.sync()
    assert [e.kind for e in recorder.events] == [Kind.STEP_STARTED, Kind.HOST_NOT_STARTED]
    assert recorder.state.step("restore").hosts["web-2"].status.value == "not started"
    recorder.close()


async def test_an_event_recorded_by_a_listener_is_told_in_its_turn(tmp_path):
    import asyncio

    recorder = recorder_in(tmp_path)
    first, second = [], []

    def answer(event):  # as the integrity watch answers a command's result
        first.append(event.seq)
        if event.kind == Kind.COMMAND_RESULT:
            recorder.record(Kind.NOTE_ADDED, text="answered")

    recorder.subscribe(answer)
    recorder.subscribe(lambda event: second.append(event.seq))
    where = {"host": "web-1", "step": "s"}
    recorder.record_deferred(Kind.COMMAND_RESULT, **where, stage="run", exit_status=0)
    recorder.record(Kind.COMMAND_OUTPUT, **where, stream="stdout", lines=["a"])
    await asyncio.sleep(0)
    assert first == second == [0, 1, 2]
    assert [e.seq for e in recorder.events] == [0, 1, 2]
    recorder.close()
    assert read_journal(tmp_path).events == list(recorder.events)


async def test_a_held_line_that_cannot_be_written_fails_the_next_record_and_sync(tmp_path):
    import asyncio
    import os

    recorder = recorder_in(tmp_path)
    heard = []
    recorder.subscribe(heard.append)
    where = {"host": "web-1", "step": "s"}
    recorder.record_deferred(Kind.COMMAND_INTENT, **where, command="x", stage="run")
    journal = recorder.writer._journal
    os.close(journal.fd)
    journal.fd = os.open(tmp_path / JOURNAL_NAME, os.O_RDONLY)  # a file refusing the write
    await asyncio.sleep(0)  # the held line's write fails: nobody to tell there
    with pytest.raises(OSError):
        await recorder.sync()  # so nothing is sent on an intent that is not on disk
    with pytest.raises(OSError):
        recorder.record(Kind.NOTE_ADDED, text="after")
    assert heard == [] and not recorder.events
    recorder.close()
    assert read_journal(tmp_path).events == []


def test_each_line_is_what_the_validated_event_writes(tmp_path):
    """The recorder builds each event from parts already checked (the payload by its
    model, who and where by theirs) without checking them again: every line must be
    the one a validated event writes, byte for byte, and read back equal."""
    import json

    from console.journal.lines import line_bytes
    from console.model.events import Event
    from console.model.payloads import CommandIntent, CommandResult

    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, title="t", incident_id="inc-1")
    recorder.record(Kind.TRIGGER_DECLARED, kind="user-impact", reason="r", commander="alice")
    where = {"system": "web", "host": "web-1", "step": "restore"}
    recorder.record_deferred(
        CommandIntent(command="true", stage="action", attempt=2, token="0a1b2c3d4e5f"), **where
    )
    recorder.record(Kind.COMMAND_OUTPUT, stream="stdout", lines=["a", "é"], **where)
    recorder.record_deferred(CommandResult(stage="action", exit_status=0, duration=0.5), **where)
    recorder.record(Kind.NOTE_ADDED, text="n")
    recorder.actor = recorder.actor.replace(user="bob")
    recorder.record(Kind.NOTE_ADDED, text="by bob", **where)
    recorder.close()
    lines = [
        line
        for name in (JOURNAL_NAME, OUTPUT_NAME)
        for line in (tmp_path / name).read_text().splitlines()
    ]
    assert len(lines) == len(recorder.events) == 7
    for line in lines:
        assert line_bytes(Event.validated(json.loads(line))) == f"{line}\n".encode()
    for event in recorder.events:
        assert line_bytes(Event.validated(event.as_json())) == line_bytes(event)
    assert [e.who.commander for e in recorder.events] == [None, "alice", *["alice"] * 5]
    assert recorder.events[-1].who.user == "bob"


async def test_a_close_while_a_group_commit_runs_loses_nothing_and_says_no_failure(tmp_path):
    """The close of a journal while its group commit's fsync runs in its thread (held here
    just past its start, until the close has shut the journal and is about to give its
    lock back): seen, that fsync met a closed descriptor, the host waiting on it heard
    'write failed', and writer.lock kept the false failure for `list` and the next resume."""
    import asyncio
    import threading

    recorder = recorder_in(tmp_path)
    writer = recorder.writer
    entered, go, done = threading.Event(), threading.Event(), threading.Event()
    fsync, commit, give_back = writer._journal.fsync, writer.fsync, writer._lock.close

    def held_fsync(*given):
        if threading.current_thread() is not threading.main_thread():  # the commit's
            entered.set()
            go.wait(10)
        return fsync(*given)

    def committed():
        try:
            commit()
        finally:
            done.set()

    def closed_lock():
        go.set()  # the journal shut: the commit goes on, then the lock is given back
        done.wait(10)
        give_back()

    writer._journal.fsync, writer.fsync, writer._lock.close = held_fsync, committed, closed_lock
    recorder.record_deferred(Kind.COMMAND_INTENT, host="web-1", command="x", stage="run")
    synced = asyncio.ensure_future(recorder.sync())
    await asyncio.to_thread(entered.wait, 10)  # its line written, its fsync under way
    recorder.close()
    await synced  # no failure said to the host waiting on it
    assert done.is_set()
    assert [e.kind for e in read_journal(tmp_path).events] == [Kind.COMMAND_INTENT]
    again = JournalWriter(tmp_path / JOURNAL_NAME)
    assert again.stopped_before == ""  # writer.lock says no failure
    again.close()
