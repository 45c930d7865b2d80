"""The journal file: append-only JSON Lines, one event per line."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from console.model.events import Event

JOURNAL_NAME = "journal.jsonl"
DIR_MODE = 0o700
FILE_MODE = 0o600


class JournalError(Exception):
    """A journal that cannot be read or written safely; the message names the file."""


@dataclass(frozen=True)
class TornLine:
    """The unterminated, unparsable tail a crash mid-write leaves behind."""

    line: int
    size: int


@dataclass(frozen=True)
class JournalRead:
    events: list[Event]
    torn: TornLine | None
    size: int


def secure_dir(path: Path) -> None:
    """Create `path` (0700), or tighten an existing one that others can read."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(DIR_MODE)
        except OSError as exc:
            raise JournalError(f"{path}: mode {mode:o} lets others read it: {exc}") from None


def parse_line(raw: bytes, path: Path, number: int) -> Event:
    try:
        return Event.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise JournalError(f"{path}:{number}: not a journal event: {first}") from None


def read_journal(path: Path) -> JournalRead:
    """All events of a journal; an unterminated bad last line is reported, not fatal."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JournalError(f"{path}: cannot be read: {exc.strerror}") from None
    events: list[Event] = []
    torn = None
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last = number == len(lines)
        try:
            events.append(parse_line(raw, path, number))
        except JournalError:
            if not last:
                raise
            torn = TornLine(number, len(raw))
    return JournalRead(events, torn, len(data))


def iter_new_lines(handle, buffer: bytearray) -> Iterator[bytes]:
    """Complete lines appended since the last call; a partial line waits in `buffer`."""
    chunk = handle.read()
    if chunk:
        buffer.extend(chunk)
    while (end := buffer.find(b"\n")) >= 0:
        line = bytes(buffer[:end])
        del buffer[: end + 1]
        if line.strip():
            yield line


class JournalWriter:
    """Appends events; every action event is fsync'd before append() returns."""

    def __init__(self, path: Path):
        self.path = path
        secure_dir(path.parent)
        self._repair_torn_tail()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        try:
            self._fd = os.open(path, flags, FILE_MODE)
        except OSError as exc:
            raise JournalError(f"{path}: cannot be opened for writing: {exc.strerror}") from None
        os.fchmod(self._fd, FILE_MODE)
        self.repaired: TornLine | None = self._torn

    def _repair_torn_tail(self) -> None:
        """Move a torn last line aside (never delete it) so appends start on a new line."""
        self._torn = None
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        read = read_journal(self.path)
        data = self.path.read_bytes()
        if read.torn is None and data.endswith(b"\n"):
            return
        cut = data.rfind(b"\n") + 1
        aside = self.path.with_name(f"{self.path.name}.torn-{cut}")
        aside.write_bytes(data[cut:])
        aside.chmod(FILE_MODE)
        with self.path.open("r+b") as handle:
            handle.truncate(cut)
            os.fsync(handle.fileno())
        self._torn = read.torn or TornLine(data.count(b"\n") + 1, len(data) - cut)

    def append(self, event: Event) -> None:
        view = memoryview(event.model_dump_json().encode() + b"\n")
        while view:
            view = view[os.write(self._fd, view) :]
        if event.is_action:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1
