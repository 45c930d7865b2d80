"""The incident's events in order, as the screens and the export read them: the actions
held in memory, the output (`command.output`, `probe.sample`) left in output.jsonl and
read back by its offset when asked for. A live incident's memory no longer grows with
every line its hosts print (it grew ~1.2 KB an output event: bench/RESULTS.md, issue 18)."""

from __future__ import annotations

import json
from array import array
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple, overload

from console.journal.files import OUTPUT_NAME, JournalError, TornLine, journal_path, open_read
from console.journal.store import JournalStream, Progress, Unread, parse_line
from console.journal.tails import STDOUT_LINES
from console.model.events import Event, Kind
from console.model.payloads import CommandIntent, CommandOutput, CommandResult
from console.model.state import IncidentState

# Output events kept as objects: the newest (what a screen showing the live run reads
# next) and the last read back (the timeline's rows on screen). ~2.5 MB at most of
# lines as most hosts print them; and no more than RECENT_CHARACTERS of what they print:
# hosts printing lines of a megabyte (a minified file, a binary cat) held every one.
RECENT = 2048
RECENT_CHARACTERS = 4_000_000

Place = tuple[str, str | None, str | None, str | None]  # kind, system, host, step


def place_of(event: Event) -> Place:
    w = event.where
    return (event.kind, w.system, w.host, w.step)


class EventLog(Sequence[Event]):
    """Every event of the incident, by its index (seq order). An output event given its
    offset in `output` is placed there: only its offset and its place (kind, system,
    host, step) stay in memory, 12 bytes, and it is read back from the file when asked
    for. Events given without an offset (a follower's, a test's) are held as objects."""

    def __init__(self, output: Path | None = None):
        self.output = output
        self.actions: list[Event] = []  # the actions alone, in order: what most scans want
        self._held: list[Event] = []  # the events kept as objects
        self._slots = array("q")  # per event: its offset in `output` (>= 0), or ~its index in _held
        self._places = array("I")  # per event: its place's index in `places`
        self.places: list[Place] = []
        self._place_ids: dict[Place, int] = {}
        self._recent: OrderedDict[int, Event] = OrderedDict()  # index -> placed event
        self._recent_characters = 0  # the lines those events hold
        self._reader: BinaryIO | None = None

    def append(self, event: Event, offset: int | None = None) -> None:
        """Add the next event; `offset`: where its line starts in the output file."""
        index = len(self._slots)
        if offset is None or event.is_action:
            self._slots.append(~len(self._held))
            self._held.append(event)
        else:
            self._slots.append(offset)
            self._remember(index, event)
        if event.is_action:
            self.actions.append(event)
        place = place_of(event)
        pid = self._place_ids.get(place)
        if pid is None:
            pid = self._place_ids[place] = len(self.places)
            self.places.append(place)
        self._places.append(pid)

    @property
    def held(self) -> int:
        """How many events are in memory as objects (the recent output among them)."""
        return len(self._held) + len(self._recent)

    def __len__(self) -> int:
        return len(self._slots)

    @overload
    def __getitem__(self, index: int) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...
    def __getitem__(self, index: int | slice) -> Event | list[Event]:
        if isinstance(index, slice):
            return [self._event(i) for i in range(*index.indices(len(self._slots)))]
        if index < 0:
            index += len(self._slots)
        if not 0 <= index < len(self._slots):
            raise IndexError(index)
        return self._event(index)

    def __iter__(self) -> Iterator[Event]:
        for index in range(len(self._slots)):
            yield self._event(index)

    def __reversed__(self) -> Iterator[Event]:
        for index in range(len(self._slots) - 1, -1, -1):
            yield self._event(index)

    def place(self, index: int) -> Place:
        """The event's kind, system, host and step, without reading it."""
        return self.places[self._places[index]]

    def indices(
        self, keep: Callable[[Place], bool], start: int = 0, newest_first: bool = False
    ) -> Iterator[int]:
        """The indices from `start` of the events whose place `keep` keeps; nothing is
        read from the file to choose them."""
        kept = [keep(p) for p in self.places]
        places, end = self._places, len(self._slots)
        order = range(end - 1, start - 1, -1) if newest_first else range(start, end)
        return (i for i in order if kept[places[i]])

    def _event(self, index: int) -> Event:
        slot = self._slots[index]
        if slot < 0:
            return self._held[~slot]
        event = self._recent.get(index)
        if event is None:
            event = self._read(slot)
            self._remember(index, event)
        else:
            self._recent.move_to_end(index)
        return event

    def _remember(self, index: int, event: Event) -> None:
        self._recent[index] = event
        self._recent_characters += _characters(event)
        while len(self._recent) > RECENT or (
            self._recent_characters > RECENT_CHARACTERS and len(self._recent) > 1
        ):
            self._recent_characters -= _characters(self._recent.popitem(last=False)[1])

    def _read(self, offset: int) -> Event:
        assert self.output is not None  # only an event placed in it has an offset
        if self._reader is None:
            self._reader = _open(self.output)
        return _read_at(self._reader, self.output, offset)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


def _characters(event: Event) -> int:
    """What an output event's lines hold (a probe's sample: one number or word)."""
    return sum(map(len, event.data.lines)) if isinstance(event.data, CommandOutput) else 0


class LogRead(NamedTuple):
    log: EventLog
    state: IncidentState
    torn: list[TornLine]


def read_log(path: Path, progress: Progress | None = None, first: int | None = None) -> LogRead:
    """An incident's journal read once and folded, its output left in its file (the
    events of read_journal, never all in memory at once; its `first` only, if given)."""
    path = journal_path(path)
    log = EventLog(path.with_name(OUTPUT_NAME))
    state = IncidentState()
    stream = JournalStream(path, progress, first)
    for event, offset in stream.placed():
        state.apply(event)
        log.append(event, offset)
    return LogRead(log, state, stream.torn)


class DocumentRead(NamedTuple):
    """What a rollback document reads of a journal (`read_documented`)."""

    events: list[Event]
    total: int  # the events the journal holds (its first N), those left out among them
    torn: list[TornLine]


def read_documented(path: Path, first: int | None = None) -> DocumentRead:
    """The events a rollback document reads, of the journal's `first` (all by default):
    all but the stdout of commands (a document shows their stderr, and of their stdout
    each attempt's last lines only), a starred one kept. The output file's other stdout
    lines are left unparsed: 3/4 of a long incident's lines, most of the time to read it
    (bench/RESULTS.md, issue 18)."""
    path = journal_path(path)
    stream = JournalStream(path, first=first)
    stars = IncidentState()  # event.starred folded alone: the stars are all it needs
    read: list[Event | Unread] = []
    last = _LastOutput()
    for item in stream.documented():
        if _stdout(item):
            last.line(item)
        elif isinstance(item, Event) and item.kind == Kind.EVENT_STARRED:
            stars.apply(item)
        elif isinstance(item, Event) and isinstance(item.data, CommandIntent):
            last.intent((item.where.step, item.where.host))
        elif isinstance(item, Event) and isinstance(item.data, CommandResult):
            failed = bool(item.data.failure or item.data.aborted)
            last.result((item.where.step, item.where.host), failed)
        read.append(item)
    shown = stars.stars | last.shown()
    kept = [e for e in read if e.seq in shown or not _stdout(e)]
    parsed: dict[int, Event] = {}  # the stdout lines shown, by seq
    if unread := [e for e in kept if isinstance(e, Unread)]:
        output = path.with_name(OUTPUT_NAME)
        with _open(output) as reader:
            parsed = {u.seq: _read_at(reader, output, u.offset) for u in unread}
    events = [e if isinstance(e, Event) else parsed[e.seq] for e in kept]
    return DocumentRead(events, len(read), stream.torn)


StepHost = tuple[str | None, str | None]


class _LastOutput:
    """Each (step, host)'s last stdout lines (by seq) of its attempt under way; those of
    an attempt that failed, or never ended, are shown (console/journal/tails.py)."""

    def __init__(self) -> None:
        self._places: dict[bytes, StepHost] = {}  # an unread line's `where`, parsed once
        self._current: dict[StepHost, deque[int]] = {}
        self._kept: set[int] = set()

    def line(self, item: Event | Unread) -> None:
        if isinstance(item, Unread):
            place = self._places.get(item.where)
            if place is None:
                where = json.loads(item.where)
                place = self._places[item.where] = (where.get("step"), where.get("host"))
        else:
            place = (item.where.step, item.where.host)
        tail = self._current.get(place)
        if tail is None:
            tail = self._current[place] = deque(maxlen=STDOUT_LINES)
        tail.append(item.seq)

    def intent(self, place: StepHost) -> None:
        self._current.pop(place, None)

    def result(self, place: StepHost, failed: bool) -> None:
        tail = self._current.pop(place, None)
        if failed and tail:
            self._kept.update(tail)

    def shown(self) -> set[int]:
        return self._kept.union(*self._current.values())


def _stdout(event: Event | Unread) -> bool:
    if isinstance(event, Unread):
        return True
    data = event.data
    return (
        event.kind == Kind.COMMAND_OUTPUT
        and isinstance(data, CommandOutput)
        and data.stream == "stdout"
    )


def _open(output: Path) -> BinaryIO:
    try:
        return open_read(output)
    except OSError as exc:
        raise JournalError(f"{output}: cannot be read: {exc.strerror}") from None


def _read_at(reader: BinaryIO, output: Path, offset: int) -> Event:
    """The event whose line starts at `offset` in the output file."""
    reader.seek(offset)
    raw = reader.readline()
    try:
        return parse_line(raw, output, 0)
    except JournalError as exc:  # the file changed under the console: say where
        raise JournalError(f"{output}: byte {offset}: {exc}") from None
