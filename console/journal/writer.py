"""The journal's writer: actions appended and fsync'd, command output beside them."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from console.journal.files import (
    OUTPUT_NAME,
    JournalError,
    JournalWriteFailed,
    TornLine,
    open_own,
    secure_incident_dir,
)
from console.journal.journal_lock import JournalLock
from console.journal.lines import line_bytes
from console.model.events import Event


class _AppendFile:
    """One append-only file; a torn tail is moved aside (never deleted) before appending.
    Opened as `open_own` opens (never through a symbolic link, never another account's
    file, a device or a pipe), the repair made through that descriptor: a link at the
    journal's name had its target's tail truncated, and its mode changed, by a resume."""

    def __init__(self, path: Path, mode: int):
        self.path = path
        self.mode = mode
        self.aside: Path | None = None  # where a torn tail was set aside, if one was
        try:
            self.fd = open_own(path, os.O_RDWR | os.O_APPEND, mode)
        except OSError as exc:
            raise JournalError(f"{path}: cannot be opened for writing: {exc.strerror}") from None
        try:
            self.repaired = self._repair_torn_tail()
        except OSError as exc:
            os.close(self.fd)
            raise JournalError(
                f"{path}: its torn tail cannot be set aside: {exc.strerror}"
            ) from None
        self.held: list[bytes] = []  # lines not written yet, in order
        self.end = os.fstat(self.fd).st_size  # where the next line held or written starts
        self.written = self.end  # the file's length once every write so far is done
        self.durable = -1  # how much of it this writer's last fsync covered; -1: none yet

    def _repair_torn_tail(self) -> TornLine | None:
        size = os.fstat(self.fd).st_size
        if size == 0 or os.pread(self.fd, 1, size - 1) == b"\n":  # it may hold gigabytes
            return None
        data = b""  # torn (after a crash): rare, read as it is
        while chunk := os.pread(self.fd, size - len(data), len(data)):
            data += chunk
        cut = data.rfind(b"\n") + 1
        aside = self.path.with_name(f"{self.path.name}.torn-{cut}")
        written = open_own(aside, os.O_WRONLY | os.O_TRUNC, self.mode)
        try:
            view = memoryview(data)[cut:]
            while view:
                view = view[os.write(written, view) :]
        finally:
            os.close(written)
        self.aside = aside
        os.ftruncate(self.fd, cut)
        os.fsync(self.fd)
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
        try:
            while view:
                view = view[os.write(self.fd, view) :]
            self.written = self.end
            if sync:
                self.fsync()
        except OSError as exc:  # a full disk: what is torn is set aside when reopened
            raise JournalWriteFailed(self.path, exc) from exc
        return offset

    def fsync(self, fd: int | None = None) -> None:
        """Make what is written durable (from any thread, through `fd`, its own descriptor
        of the file: what a write adds meanwhile is not counted as covered)."""
        upto = self.written
        os.fsync(self.fd if fd is None else fd)
        self.durable = max(self.durable, upto)

    def close(self) -> None:
        """Write what is held, fsync unless this writer's last fsync covered every line
        (an exec's tail: the incident's close was fsync'd as it was recorded), close."""
        if self.fd >= 0:
            self.write()
            if self.durable < self.written:
                self.fsync()
            os.close(self.fd)
            self.fd = -1


class JournalWriter:
    """Appends events: actions to the journal, fsync'd before they are relied on;
    command output to the output file beside it, written but not fsync'd. Lines held
    (hold) are written, in order, before any line appended after them."""

    def __init__(self, path: Path, lock: JournalLock | None = None):
        """Raises JournalInUse (nothing written) while another process writes it; `lock`:
        taken already (before the systems' locks: a refusal then leaves no trace)."""
        self.path = path
        mode = secure_incident_dir(path.parent)
        self._lock = lock or JournalLock(path)  # before the torn tails' repair: it writes
        self._closing = threading.Lock()  # a group commit's descriptor is taken, or a close
        try:
            self._journal = _AppendFile(path, mode)
            self._output = _AppendFile(path.with_name(OUTPUT_NAME), mode)
        except BaseException:
            self._lock.close()
            raise
        repaired = [t for t in (self._journal.repaired, self._output.repaired) if t]
        self.repaired: TornLine | None = repaired[0] if repaired else None
        # The journal's own torn tail (an action cut short), set aside: said on resume.
        self.torn_aside = self._journal.aside

    @property
    def stopped_before(self) -> str:
        """Why the writer before this one stopped, as it said in writer.lock (its journal
        could not be written: a full disk), with when; "" if it did not say."""
        before = self._lock.previous
        why, at = before.get("stopped"), str(before.get("at") or "")
        if not why:
            return ""
        return f"{why} (at {at[:19].replace('T', ' ')} UTC)" if at else str(why)

    def append(self, event: Event, sync: bool = True) -> int | None:
        """Write the event, after every line held; an action is fsync'd now unless `sync`
        is False, in which case the caller must call fsync() (group commit) before relying
        on it. Returns where output's line starts in the output file (None for an action)."""
        line = line_bytes(event)
        with self._said_if_stopped():
            if event.is_action:
                self._output.write()  # an action never reaches the disk before earlier output
                self._journal.write(line, sync=sync)
                return None
            return self._output.write(line)

    @contextlib.contextmanager
    def _said_if_stopped(self) -> Iterator[None]:
        """A write that failed (a full disk) is said in the writer's lock file, which the
        journal's readers read: `list` named a run stopped so 'killed, or crashed'."""
        try:
            yield
        except JournalWriteFailed as failed:
            self._lock.stopped(str(failed))
            raise

    def hold(self, event: Event) -> int | None:
        """Keep the event's line to be written by the next flush() or append(): a burst of
        events is then one write, not one each (each write on a busy console's loop is a
        round trip of the interpreter's lock with its SSH I/O thread). Not for an action
        the caller relies on before it flushes. Returns what append() does."""
        line = line_bytes(event)
        if event.is_action:
            self._journal.hold(line)
            return None
        return self._output.hold(line)

    def flush(self) -> None:
        """Write every held line: the output's first, as append() does."""
        with self._said_if_stopped():
            self._output.write()
            self._journal.write()

    @property
    def empty(self) -> bool:
        """Nothing written to the journal yet (by this writer or any before it)."""
        return self._journal.end == 0

    @property
    def closed(self) -> bool:
        return self._journal.fd < 0

    def fsync(self) -> None:
        """Make every action written so far durable (safe to call from a thread; lines
        still held are not written by it), through a descriptor of its own: a close
        meanwhile (which makes them durable itself) leaves it open. Seen: the group
        commit's fsync met the descriptor a close had just shut, and its waiting host and
        writer.lock were told the journal could not be written."""
        with self._closing:
            if self._journal.fd < 0:
                return
            fd = os.dup(self._journal.fd)
        try:
            self._journal.fsync(fd)
        except OSError as exc:
            self._lock.stopped(str(failed := JournalWriteFailed(self.path, exc)))
            raise failed from exc
        finally:
            os.close(fd)

    def close(self) -> None:
        try:
            with self._said_if_stopped(), self._closing:
                self._journal.close()
                self._output.close()
        finally:
            self._lock.close()
