"""The journal: append-only JSON Lines; actions fsync'd, bulky output beside them."""

from __future__ import annotations

import heapq
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from console.model.events import READABLE_VERSIONS, Actor, Event, Where
from console.model.payloads import Payload

JOURNAL_NAME = "journal.jsonl"
OUTPUT_NAME = "output.jsonl"
DIR_MODE = 0o700
FILE_MODE = 0o600


class JournalError(Exception):
    """A journal that cannot be read or written safely; the message names the file."""


@dataclass(frozen=True)
class TornLine:
    """The unterminated, unparsable tail a crash mid-write leaves behind."""

    path: Path
    line: int
    size: int


@dataclass(frozen=True)
class JournalRead:
    events: list[Event]
    torn: list[TornLine]


def journal_path(path: Path) -> Path:
    """A journal file, or an incident directory holding one."""
    return path / JOURNAL_NAME if path.is_dir() else path


def make_dirs(path: Path) -> None:
    """Create `path` and each missing parent, 0700 each; existing ones are left alone."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        except OSError as exc:
            raise JournalError(f"{directory}: cannot be created: {exc.strerror}") from None
    if not path.is_dir():
        raise JournalError(f"{path}: not a directory")


def secure_dir(path: Path, group_ok: bool = False) -> None:
    """Create `path` (and each missing parent) 0700, or tighten an existing `path` that
    others can read. With `group_ok`, a group keeps the access an administrator gave it
    (a lock or journal directory shared by the team's accounts); others never do."""
    make_dirs(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (0o007 if group_ok else 0o077):
        try:
            path.chmod(mode & 0o7770 if group_ok else DIR_MODE)
        except OSError as exc:
            raise JournalError(f"{path}: mode {mode:o} lets others read it: {exc}") from None


def write_private(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Write a whole file with `mode` (0600 unless relaxed on purpose), whatever the
    umask and whatever mode an earlier file at `path` had; missing parents are 0700."""
    make_dirs(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


# Parsed `who` and `where` are frozen and repeat on most lines: one shared instance of
# each cuts the memory of a long journal by 40% (100,000 events: 280 MB to 170 MB).
_SHARED: dict[tuple[Any, ...], Actor | Where] = {}


def _shared(data: dict[str, Any], key: str, model: type[Actor] | type[Where]) -> None:
    value = data.get(key)
    if isinstance(value, dict) and len(_SHARED) < 10_000:
        ident = (model, *sorted(value.items()))
        data[key] = _SHARED.get(ident) or _SHARED.setdefault(ident, model.model_validate(value))


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


# Pydantic gives every instance a set of the fields it was given: 728 bytes an event,
# a third of a parsed command.output's memory. Events are frozen (never updated or
# copied with changes), so the events given the same fields share one frozenset.
# The same for payloads. Each stays a set (`exclude_unset` wants one); frozen, no model
# adds to it, and a copy gets its own.
_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def _shared_set(fields: set[str]) -> set[str]:
    key = frozenset(fields)
    shared = _FIELD_SETS.get(key)
    if shared is None:
        shared = _FIELD_SETS[key] = set(key)
    return shared


def compact(event: Event) -> Event:
    """`event`, its (and its data's) set of given fields shared with every event given
    the same ones. A payload whose None means "not said" has its None fields left out."""
    object.__setattr__(event, "__pydantic_fields_set__", _shared_set(event.__pydantic_fields_set__))
    compact_data(event.data)
    return event


def compact_data(data: Payload) -> Payload:
    """`compact` for a payload alone (an event `built` shares its own set already)."""
    given = data.__pydantic_fields_set__
    if data.OMIT_NONE:
        given = {name for name in given if getattr(data, name) is not None}
    object.__setattr__(data, "__pydantic_fields_set__", _shared_set(given))
    return data


def parse_line(raw: bytes, path: Path, number: int) -> Event:
    data: Any = None
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            _shared(data, "who", Actor)
            _shared(data, "where", Where)
            _interned(data)
        return compact(Event.model_validate(data))
    except (ValueError, ValidationError, TypeError) as exc:
        raise JournalError(f"{path}:{number}: not a journal event: {_why(exc, data)}") from None


def _why(exc: Exception, data: Any) -> str:
    """What is wrong with a line, in one line: the kind, the key and what it should be."""
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
    rb'"kind":"command\.output","where":\{[^{}]*\},"data":\{"stream":"stdout",'
    % "|".join(map(str, READABLE_VERSIONS)).encode()
)


@dataclass(frozen=True, slots=True)
class Unread:
    """A command's stdout line not parsed (`JournalStream.documented`): its seq, and
    where its line starts in the output file."""

    seq: int
    offset: int


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
            handle = path.open("rb")
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
                    yield Unread(seq, offset), offset
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


class _AppendFile:
    """One append-only file; a torn tail is moved aside (never deleted) before appending."""

    def __init__(self, path: Path):
        self.path = path
        self.repaired = self._repair_torn_tail()
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise JournalError(f"{path}: cannot be opened for writing: {exc.strerror}") from None
        os.fchmod(self.fd, FILE_MODE)
        self.held: list[bytes] = []  # lines not written yet, in order
        self.end = os.fstat(self.fd).st_size  # where the next line held or written starts

    def _repair_torn_tail(self) -> TornLine | None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        with self.path.open("rb") as handle:  # its last byte only: it may hold gigabytes
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) == b"\n":
                return None
        data = self.path.read_bytes()  # torn (after a crash): rare, read as it is
        cut = data.rfind(b"\n") + 1
        aside = self.path.with_name(f"{self.path.name}.torn-{cut}")
        aside.write_bytes(data[cut:])
        aside.chmod(FILE_MODE)
        with self.path.open("r+b") as handle:
            handle.truncate(cut)
            os.fsync(handle.fileno())
        return TornLine(self.path, data.count(b"\n") + 1, len(data) - cut)

    def hold(self, line: bytes) -> int:
        """Keep `line` to be written with the next; returns where it will start."""
        self.held.append(line)
        self.end += len(line)
        return self.end - len(line)

    def write(self, line: bytes = b"", sync: bool = False) -> int:
        """Write the held lines, then `line`, in one system call; returns where `line`
        starts in the file."""
        offset = self.end
        self.end += len(line)
        if self.held:
            self.held.append(line)
            line = b"".join(self.held)
            self.held.clear()
        view = memoryview(line)
        while view:
            view = view[os.write(self.fd, view) :]
        if sync:
            os.fsync(self.fd)
        return offset

    def close(self) -> None:
        if self.fd >= 0:
            self.write()
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1


class JournalWriter:
    """Appends events: actions to the journal, fsync'd before they are relied on;
    command output to the output file beside it, written but not fsync'd. Lines held
    (hold) are written, in order, before any line appended after them."""

    def __init__(self, path: Path):
        self.path = path
        secure_dir(path.parent)
        self._journal = _AppendFile(path)
        self._output = _AppendFile(path.with_name(OUTPUT_NAME))
        repaired = [t for t in (self._journal.repaired, self._output.repaired) if t]
        self.repaired: TornLine | None = repaired[0] if repaired else None

    def append(self, event: Event, sync: bool = True) -> int | None:
        """Write the event, after every line held; an action is fsync'd now unless `sync`
        is False, in which case the caller must call fsync() (group commit) before relying
        on it. Returns where output's line starts in the output file (None for an action)."""
        line = event.line().encode() + b"\n"
        if event.is_action:
            self._output.write()  # an action never reaches the disk before earlier output
            self._journal.write(line, sync=sync)
            return None
        return self._output.write(line)

    def hold(self, event: Event) -> int | None:
        """Keep the event's line to be written by the next flush() or append(): a burst of
        events is then one write, not one each (each write on a busy console's loop is a
        round trip of the interpreter's lock with its SSH I/O thread). Not for an action
        the caller relies on before it flushes. Returns what append() does."""
        line = event.line().encode() + b"\n"
        if event.is_action:
            self._journal.hold(line)
            return None
        return self._output.hold(line)

    def flush(self) -> None:
        """Write every held line: the output's first, as append() does."""
        self._output.write()
        self._journal.write()

    @property
    def closed(self) -> bool:
        return self._journal.fd < 0

    def fsync(self) -> None:
        """Make every action written so far durable (safe to call from a thread; lines
        still held are not written by it)."""
        if self._journal.fd >= 0:
            os.fsync(self._journal.fd)

    def close(self) -> None:
        self._journal.close()
        self._output.close()
