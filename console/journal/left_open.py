"""How the process that drove an open incident last ended, read from its journal alone
(a reader's view: `follow --plain`, `list`, the console's resume): killed or crashed
without a word, or gone having let go without closing it (its terminal closed, SIGTERM,
its commander quit), who it was and when its last event was written."""

from __future__ import annotations

from pathlib import Path

from console.journal.journal_lock import CONSOLES
from console.journal.times import utc
from console.journal.writer_lock import WriterLock
from console.model import payloads
from console.model.events import Event, Kind


class LastDriver:
    """Fed the journal's events in order (or only its `lock.*` events, then `last`)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory  # the incident's: its writer.lock says why a writer stopped
        self.stopped = ""  # or that, as a resume recorded it (`incident.resumed`'s `stopped`)
        self.lock = WriterLock()  # the lock.acquired no lock.released or lock.kept followed
        self.acquired: Event | None = None  # the last lock.acquired, let go of or not
        self.left: Event | None = None  # the lock.released or lock.kept that let it go
        self.last: Event | None = None  # the last event written

    def feed(self, event: Event) -> None:
        self.lock.feed(event)
        if event.kind != Kind.COMMANDER_HANDED_OVER:  # the taker's word, not the driver's
            self.last = event
        if event.kind == Kind.LOCK_ACQUIRED:
            self.acquired, self.left = event, None
        elif event.kind in (Kind.LOCK_RELEASED, Kind.LOCK_KEPT) and self.left is None:
            self.left = event

    def ended(self, quit_too: bool = False) -> str | None:
        """`rollback-console pid 31169 (alice on jump1) ended without closing it or letting
        go (killed, or crashed); its last event was written at 2026-12-04 05:05:29 UTC`, or
        `... ended without closing it: terminal closed (SIGHUP); ...` once it let go when
        nobody quit it (`... let go of it without closing it; ...` with `quit_too`, when its
        commander quit or a headless run left it open). None while it runs, or when
        nothing drove it. The caller knows the incident is open."""
        if self.acquired is None or self.last is None:
            return None
        pid, host = _owner(self.acquired)
        who = f"{_program(self.acquired)} pid {pid} ({self.acquired.who.user} on {host})"
        when = f"its last event was written at {utc(self.last.ts)}"
        if self.lock.held is not None:
            if not self.lock.gone():
                return None
            if said := self._stopped(pid, host):
                return f"{who} {said}"
            return f"{who} ended without closing it or letting go (killed, or crashed); {when}"
        if self.left is None:  # let go of (released, or kept while a host is unknown)
            return None  # by an event it was not fed
        why = getattr(self.left.data, "reason", None)
        if why is None:  # chosen: its commander quit, or a headless run left it open (exit 4)
            return f"{who} let go of it without closing it; {when}" if quit_too else None
        return f"{who} ended without closing it: {why}; {when}"

    def _stopped(self, pid: int, host: str) -> str:
        """`stopped at ...: the journal could not be written (...)...`, when the writer
        that held the lock said so in writer.lock as it stopped (a full disk: nothing in
        the journal could say it); "" else."""
        from console.journal.custody import writer_of

        said, then = self.stopped, ""  # a resume's record: it is being resumed
        writer = writer_of(self.directory) if self.directory is not None else None
        if writer is not None and writer.stopped and (writer.pid, writer.host) == (pid, host):
            at = f" (at {writer.at[:19].replace('T', ' ')} UTC)" if writer.at else ""
            said, then = writer.stopped + at, ": once there is room, resume it"
        if not said:
            return ""
        return (
            f"stopped: its journal could not be written: {said}; nothing was recorded or"
            f" sent after that{then}"
        )


def _owner(acquired: Event) -> tuple[int, str]:
    """(pid, host) of the process a `lock.acquired` names, as a reader reads it."""
    lock = WriterLock()
    lock.feed(acquired)
    return lock.owner


def _program(acquired: Event) -> str:
    """`rollback-console run` for a headless command, `rollback-console` for the console
    (or a journal that does not say): as `list` names the writer."""
    program = acquired.payload(payloads.LockAcquired).program
    return program if program and program not in CONSOLES else "rollback-console"
