"""Follow a journal another process is writing: new events, in sequence order."""

from __future__ import annotations

import heapq
import time
from pathlib import Path

from console.journal.files import OUTPUT_NAME, JournalError, journal_path, open_read
from console.journal.store import parse_line
from console.model.events import Event

GAP_PATIENCE_SECONDS = 2.0


Placed = tuple[Event, int | None]  # an event, and where its line starts in the output file


class _FileCursor:
    """Complete new lines of one file since the last read; a partial line is read again
    from its start next time (a torn one the writer set aside is then not glued to what it
    appended after). Events of the output file (`placed`) come with their line's offset."""

    def __init__(self, path: Path, placed: bool = False):
        self.path = path
        self.placed = placed
        self.offset = 0  # where the first line not handed out starts
        self.line = 0

    def read(self) -> list[Placed]:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size <= self.offset:  # nothing new (or less: a torn tail set aside)
            return []
        try:  # never a link, a FIFO, another's: said in one line, as the first read says it
            with open_read(self.path) as handle:
                handle.seek(self.offset)
                chunk = handle.read(size - self.offset)
        except OSError as exc:  # replaced since it was first read (a link planted there)
            raise JournalError(f"{self.path}: cannot be read: {exc.strerror or exc}") from None
        *complete, partial = chunk.split(b"\n")
        start = self.offset
        self.offset += len(chunk) - len(partial)
        events: list[Placed] = []
        for raw in complete:
            self.line += 1
            if raw.strip():
                events.append(
                    (parse_line(raw, self.path, self.line), start if self.placed else None)
                )
            start += len(raw) + 1
        return events


class JournalTail:
    """Polls a journal and its output file; hands out events strictly in seq order.

    Sequence numbers are contiguous across both files, so an event is held back until
    every earlier one has arrived, or until a gap has lasted GAP_PATIENCE_SECONDS.
    """

    def __init__(self, path: Path):
        journal = journal_path(path)
        self._cursors = [_FileCursor(journal), _FileCursor(journal.with_name(OUTPUT_NAME), True)]
        self._pending: list[tuple[int, Event, int | None]] = []
        self._next = 0
        self._gap_since: float | None = None

    def poll(self) -> list[Event]:
        return [event for event, _ in self.poll_placed()]

    def poll_placed(self) -> list[Placed]:
        """The new events, each with where its line starts in the output file (None
        for the journal's)."""
        for cursor in self._cursors:
            for event, offset in cursor.read():
                heapq.heappush(self._pending, (event.seq, event, offset))
        out: list[Placed] = []
        while self._pending:
            seq, event, offset = self._pending[0]
            if seq < self._next:
                heapq.heappop(self._pending)
                continue
            if seq > self._next:
                now = time.monotonic()
                self._gap_since = self._gap_since or now
                if now - self._gap_since < GAP_PATIENCE_SECONDS:
                    break
            heapq.heappop(self._pending)
            out.append((event, offset))
            self._next = seq + 1
            self._gap_since = None
        return out
