"""The lock a journal's writer holds, as its readers follow it event by event."""

from __future__ import annotations

from console.journal.lock import process_alive
from console.model import payloads
from console.model.events import Event, Kind


class WriterLock:
    """The lock a journal's writer holds, followed event by event (a reader's view)."""

    def __init__(self) -> None:
        self.held: Event | None = None  # the lock.acquired no lock.released followed

    def feed(self, event: Event) -> None:
        if event.kind == Kind.LOCK_ACQUIRED:
            self.held = event
        elif event.kind in (Kind.LOCK_RELEASED, Kind.LOCK_KEPT):  # the writer let go
            self.held = None

    @property
    def owner(self) -> tuple[int, str]:
        """(pid, host) of the holding process; (0, "") when no lock is held."""
        if self.held is None:
            return 0, ""
        held = self.held.payload(payloads.LockAcquired)  # its family: read when held
        host = held.host or self.held.where.host  # journals before 2026-12-03: under where
        return held.pid or 0, host or ""

    def gone(self) -> bool:
        """The holder exited without releasing the lock (killed, crashed, or its machine
        lost power): nothing it started will be recorded."""
        return self.held is not None and not process_alive(*self.owner)
