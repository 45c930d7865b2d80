"""Follow a journal another process is writing: new events, in sequence order."""

from __future__ import annotations

import heapq
import time
from pathlib import Path

from console.journal.store import OUTPUT_NAME, journal_path, parse_line
from console.model.events import Event

GAP_PATIENCE_SECONDS = 2.0


class _FileCursor:
    """Complete new lines of one file since the last read; a partial line waits."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.line = 0

    def read(self) -> list[Event]:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self.offset:  # a torn tail was moved aside by the writer
            self.offset, self.partial = size, b""
        if size == self.offset:
            return []
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read(size - self.offset)
        self.offset += len(chunk)
        *complete, self.partial = (self.partial + chunk).split(b"\n")
        events = []
        for raw in complete:
            self.line += 1
            if raw.strip():
                events.append(parse_line(raw, self.path, self.line))
        return events


class JournalTail:
    """Polls a journal and its output file; hands out events strictly in seq order.

    Sequence numbers are contiguous across both files, so an event is held back until
    every earlier one has arrived, or until a gap has lasted GAP_PATIENCE_SECONDS.
    """

    def __init__(self, path: Path):
        journal = journal_path(path)
        self._cursors = [_FileCursor(journal), _FileCursor(journal.with_name(OUTPUT_NAME))]
        self._pending: list[tuple[int, Event]] = []
        self._next = 0
        self._gap_since: float | None = None

    def poll(self) -> list[Event]:
        for cursor in self._cursors:
            for event in cursor.read():
                heapq.heappush(self._pending, (event.seq, event))
        out: list[Event] = []
        while self._pending:
            seq, event = self._pending[0]
            if seq < self._next:
                heapq.heappop(self._pending)
                continue
            if seq > self._next:
                now = time.monotonic()
                self._gap_since = self._gap_since or now
                if now - self._gap_since < GAP_PATIENCE_SECONDS:
                    break
            heapq.heappop(self._pending)
            out.append(event)
            self._next = seq + 1
            self._gap_since = None
        return out
