"""The journal read back: its JSON lines parsed, the output file merged in by seq."""

from __future__ import annotations

import heapq
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from console.journal.files import OUTPUT_NAME, JournalError, TornLine, journal_path, open_read
from console.model.events import READABLE_VERSIONS, Actor, Event, Where
from console.model.payloads import Payload
from console.model.payloads.record import shared_given


class JournalRead(NamedTuple):
    events: list[Event]
    torn: list[TornLine]


# Parsed `who` and `where` are frozen and repeat on most lines: one shared instance of
# each cuts the memory of a long journal by 40% (100,000 events: 280 MB to 170 MB).
_SHARED: dict[tuple[Any, ...], Actor | Where] = {}


def _shared(data: dict[str, Any], key: str, model: type[Actor] | type[Where]) -> None:
    value = data.get(key)
    if isinstance(value, dict) and len(_SHARED) < 10_000:
        ident = (model, *sorted(value.items()))
        data[key] = _SHARED.get(ident) or _SHARED.setdefault(ident, model.validated(value))


def _interned(data: dict[str, Any]) -> None:
    """The kind and the names in `data` repeat on every line: one copy of each."""
    if isinstance(data.get("kind"), str):
        data["kind"] = sys.intern(data["kind"])
    body = data.get("data")
    if isinstance(body, dict):
        data["data"] = {
            sys.intern(k): sys.intern(v) if isinstance(v, str) and len(v) <= 16 else v
            for k, v in body.items()
        }


def compact(event: Event) -> Event:
    """`event`, its data's None fields left out of those given when its kind's None means
    "not said" (the sets of fields given are shared already: record.shared_given)."""
    compact_data(event.data)
    return event


def compact_data(data: Payload) -> Payload:
    """`compact` for a payload alone."""
    if data.OMIT_NONE:
        given = {name for name in data._given if getattr(data, name) is not None}
        object.__setattr__(data, "_given", shared_given(given))
    return data


def parse_line(raw: bytes, path: Path, number: int) -> Event:
    data: Any = None
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            _shared(data, "who", Actor)
            _shared(data, "where", Where)
            _interned(data)
        return compact(Event.validated(data))
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise JournalError(f"{path}:{number}: not a journal event: {_why(exc, data)}") from None


def _why(exc: Exception, data: Any) -> str:
    """What is wrong with a line, in one line: the kind, the key and what it should be."""
    from pydantic import ValidationError  # a reader's: loaded with it

    if not isinstance(exc, ValidationError):
        return str(exc).splitlines()[0]
    error = exc.errors()[0]
    # `who` and `where` are checked on their own first (see _shared).
    within = {"Actor": ["who"], "Where": ["where"]}.get(exc.title, [])
    key = ".".join(str(part) for part in [*within, *error["loc"]])
    message = error["msg"].removeprefix("Value error, ")
    kind = data.get("kind") if isinstance(data, dict) else None
    more = exc.error_count() - 1
    return (
        (f"{kind}: " if isinstance(kind, str) and key.startswith("data") else "")
        + (f"{key}: " if key else "")
        + message
        + (f" (and {more} more)" if more else "")
    )


Progress = Callable[[int, int], None]  # (bytes read, bytes in all), now and then
PROGRESS_EVERY = 2000  # lines


def opened_as_drill(path: Path) -> bool:
    """Whether the journal at `path` is a drill's: its first line, `incident.opened`, says
    so (read alone: a long journal is not read to learn it)."""
    try:
        with open_read(path) as journal:
            first = json.loads(journal.readline(1 << 20))
    except (OSError, ValueError):
        return False
    data = first.get("data") if isinstance(first, dict) else None
    return isinstance(data, dict) and data.get("drill") is True


def read_journal(
    path: Path, progress: Progress | None = None, first: int | None = None
) -> JournalRead:
    """The incident's events in order: the journal merged with its output file by seq
    (the `first` of them only, if given: see JournalStream). Read line by line: the
    file's bytes are never all in memory beside the events."""
    stream = JournalStream(path, progress, first)
    events = list(stream)
    return JournalRead(events, stream.torn)


# A command's stdout line of the output file, as the journal writes it (Event.line: its
# fields in this order), of a version this console reads. Quotes inside a string are
# escaped, so no string's bytes match it.
_STDOUT = re.compile(
    rb'\{"v":(?:%b),"seq":(0|[1-9][0-9]*),"ts":"[^"]*","mono":[-+.0-9eE]+,"who":\{[^{}]*\},'
    rb'"kind":"command\.output","where":(\{[^{}]*\}),"data":\{"stream":"stdout",'
    % "|".join(map(str, READABLE_VERSIONS)).encode()
)


class Unread(NamedTuple):
    """A command's stdout line not parsed (`JournalStream.documented`): its seq, where
    its line starts in the output file, and its `where` as written (JSON). A record, not
    a dataclass: not compiled at every start (~3 M instructions, issue 18)."""

    seq: int
    offset: int
    where: bytes = b"{}"


class JournalStream:
    """The same events as read_journal, one at a time, never all in memory: for exporting
    an incident whose output runs to gigabytes. `torn` is complete once iterated;
    `progress` hears how far the reading is, every few thousand lines and at the end.
    `first`: only the events whose seq is below it, the journal as it was when it held
    that many (a live incident's grows while it is read); a line being written past them
    is not read, let alone reported torn."""

    def __init__(self, path: Path, progress: Progress | None = None, first: int | None = None):
        self.path = journal_path(path)
        self.torn: list[TornLine] = []
        self.progress = progress
        self.first = first
        self._done = 0
        self._total = 0
        self._wheres: dict[bytes, bytes] = {}  # the `where` of unread lines, each kept once

    def __iter__(self) -> Iterator[Event]:
        for event, _ in self.placed():
            yield event

    def placed(self) -> Iterator[tuple[Event, int | None]]:
        """Each event with the byte offset of its line in the output file, if it is one
        of that file's (None for the journal's)."""
        for event, offset in self._merged(False):
            assert isinstance(event, Event)
            yield event, offset

    def documented(self) -> Iterator[Event | Unread]:
        """Each event, but a command's stdout line of the output file left unparsed (and
        unchecked): what a document that shows no stdout but the starred reads. Parsing
        them was ~40 % of the time to export the Markdown of a 100,000-event incident
        whose events are 3/4 stdout (bench/RESULTS.md, issue 18)."""
        for event, _ in self._merged(True):
            yield event

    def _merged(self, unread: bool) -> Iterator[tuple[Event | Unread, int | None]]:
        output = self.path.with_name(OUTPUT_NAME)
        files = [self._lines(self.path, False, False)]
        if output.is_file():
            files.append(self._lines(output, True, unread))
        self._total = _size(self.path) + _size(output)
        yield from heapq.merge(*files, key=lambda p: p[0].seq)
        if self.progress is not None:
            self.progress(self._total, self._total)

    def _lines(
        self, path: Path, placed: bool, unread: bool
    ) -> Iterator[tuple[Event | Unread, int | None]]:
        try:
            handle = open_read(path)
        except OSError as exc:
            raise JournalError(f"{path}: cannot be read: {exc.strerror}") from None
        with handle:
            number = end = 0
            for raw in handle:
                number += 1
                offset, end = end, end + len(raw)
                self._done += len(raw)
                if self.progress is not None and number % PROGRESS_EVERY == 0:
                    self.progress(min(self._done, self._total), self._total)
                if not raw.strip():
                    continue
                if self.first is not None and not raw.endswith(b"\n"):
                    return  # being written: the events before the cut are whole lines
                if unread and raw.endswith(b"\n") and (stdout := _STDOUT.match(raw)):
                    seq = int(stdout[1])
                    if self.first is not None and seq >= self.first:
                        return
                    where = self._wheres.setdefault(stdout[2], stdout[2])  # a few, shared
                    yield Unread(seq, offset, where), offset
                    continue
                try:
                    event = parse_line(raw, path, number)
                except JournalError:
                    if raw.endswith(b"\n"):
                        raise
                    self.torn.append(TornLine(path, number, len(raw)))
                    continue
                if self.first is not None and event.seq >= self.first:
                    return  # each file is in seq order
                yield event, offset if placed else None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
