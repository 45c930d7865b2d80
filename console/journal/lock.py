"""Incident locks: one executing incident per system, with who holds it and since when."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pwd
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from console.journal import lock_notes
from console.journal.files import read_shared, secure_dir
from console.journal.lock_files import aside_path, file_mode, link_new, serialized, write_new
from console.journal.times import duration
from console.paths import lock_file

log = logging.getLogger(__name__)


class Holder(NamedTuple):
    """Who holds a system's lock."""

    pid: int
    user: str
    host: str
    started: str
    incident: str
    # Its incident's journal.jsonl: a refusal reads why the lock is held from it, also
    # for an incident journalled with --journal. Kept beside the lock file, not in it
    # (see `SystemLocks`); empty when not known.
    journal: str = ""

    def describe(self) -> str:
        if self.pid == 0 and self.host == UNKNOWN:  # a lock file this account cannot read
            return (
                f"by {self.user}, {self.incident[1:-1]} by this account: ask {self.user};"
                f" once no console of {self.user}'s runs on this jump host, an administrator"
                " may remove that file"
            )
        return (
            f"incident {self.incident} by {self.user} on {self.host} (pid {self.pid}),"
            f" since {self.started}{self.age()}"
        )

    def age(self) -> str:
        """` (12 min 05 s ago)`: how long ago it was taken (wall clock); empty when its
        time cannot be read."""
        try:
            started = datetime.fromisoformat(self.started)
            seconds = (datetime.now(UTC) - started).total_seconds()
        except (TypeError, ValueError):  # unreadable, or without a time zone
            return ""
        return f" ({_ago(seconds)} ago)" if seconds >= 0 else ""

    def alive(self) -> bool:
        return process_alive(self.pid, self.host)


def _ago(seconds: float) -> str:
    """`12 min 05 s`, `7 h 21 min 12 s`; from a day on, days and hours (`3 days 4 h`):
    a lock left for days read `75 h 02 min 10 s`."""
    if seconds < 86400:
        return duration(seconds)
    days, rest = divmod(round(seconds), 86400)
    return f"{days} day{'s' if days > 1 else ''} {rest // 3600} h"


def process_alive(pid: int, host: str) -> bool:
    """Whether process `pid` on `host` runs. One on another machine is assumed alive:
    only its own host can tell."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether `pid` has exited and waits to be reaped (signal 0 still reaches it): a
    console just hung up, whose parent has not waited for it yet, holds nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc here, or it has just gone
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


class LockHeld(Exception):
    """The system is locked by another incident; the message names the holder."""

    def __init__(self, system: str, holder: Holder, stale: bool):
        state = "held by a stale lock (its process is gone)" if stale else "locked"
        hint = "; take it over with a reason" if stale else _drill_holds(holder)
        super().__init__(f"system {system!r} is {state}: {holder.describe()}{hint}")
        self.system = system
        self.holder = holder
        self.stale = stale


def _drill_holds(holder: Holder) -> str:
    """A drill's process holds it: say so, and how it ends, to whoever needs the system
    for a real incident. Seen: `run` in a real incident refused with 'system 'web' is
    locked: incident ID by root on vm (pid N)', a scheduled drill's, said as any other.
    A drill closed keeping the lock (a host's outcome unknown) is not aborted: its console
    holds it until it quits (seen at 80x24: 'aborted where it runs ... lets go of the lock'
    of a drill over 40 s before, which the verify by hand then had to wait on)."""
    from console.journal.store import opened_as_drill

    if not holder.journal or not opened_as_drill(Path(holder.journal)):
        return ""
    if _closed(Path(holder.journal)):
        return "; it is a DRILL, not a production incident, and it has ended"
    return (
        "; it is a DRILL, not a production incident: aborted where it runs (Ctrl+C, or a in"
        " its console), it undoes its faults and lets go of the lock"
    )


def _closed(journal: Path) -> bool:
    """Whether the incident of `journal` was closed (one that cannot be read: not known to be)."""
    from console.journal.files import JournalError
    from console.journal.store import read_journal
    from console.model.events import Kind

    try:
        return any(e.kind == Kind.INCIDENT_CLOSED for e in read_journal(journal).events)
    except (JournalError, OSError):
        return False


def _unreadable(path: Path) -> Holder | None:
    try:
        owner = path.stat().st_uid
    except OSError:
        return None
    try:
        user = pwd.getpwuid(owner).pw_name
    except KeyError:
        user = f"uid {owner}"
    # Another machine's name: never judged stale from here.
    return Holder(0, user, UNKNOWN, UNKNOWN, f"(its lock file {path} cannot be read)")


UNKNOWN = "(unknown)"  # the host of a lock file this account cannot read


# What a lock file holds: the keys every console since the first reads, and only those.
# A console before 2026-12-03 read a file with any other key as torn, deleted it and took
# the lock: on a jump host where each user installs their own copy (as the README says),
# two incidents would run on one system. The journal's path goes beside it instead.
LOCK_KEYS = ("pid", "user", "host", "started", "incident")


class SystemLocks:
    """Lock files in one directory, `<system>.lock`, created atomically; beside each,
    `<system>.lock.journal` names its holder's journal (read only when it names the
    holder's incident: an older console leaves another's there)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, system: str) -> Path:
        return lock_file(self.directory, system)

    def _journal_path(self, system: str) -> Path:
        path = self._path(system)
        return path.with_name(path.name + ".journal")

    def _note_journal(self, system: str, me: Holder) -> None:
        """Write `me`'s journal beside its lock (replacing another's), or remove what is
        there when it has none. Best effort: the lock is taken whatever happens here (a
        shared lock_dir may refuse to replace another account's note); a refusal then
        names the holder without reading its journal."""
        path = self._journal_path(system)
        aside = aside_path(path)
        try:
            if not me.journal:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                return
            with contextlib.suppress(FileNotFoundError):
                aside.unlink()  # a crashed console's of the same account and pid
            note = {"incident": me.incident, "journal": me.journal}
            write_new(aside, json.dumps(note).encode(), file_mode(self.directory))
            os.replace(aside, path)
        except OSError as exc:
            log.warning("%s: not noted beside the lock: %s", path, exc)

    def _journal_of(self, system: str, incident: str) -> str:
        try:
            said = json.loads(read_shared(self._journal_path(system)))
            return said["journal"] if said["incident"] == incident else ""
        except (OSError, ValueError, TypeError, KeyError):
            return ""

    def holder(self, system: str) -> Holder | None:
        """Who holds `system`; None if nobody does (or the lock file is torn, or is a link
        or a FIFO, which no console makes: never read through, never waited on). A lock
        file this account cannot read (another account's, in a shared lock_dir) counts as
        held, by its owner."""
        path = self._path(system)
        try:
            data = json.loads(read_shared(path))
            holder = Holder(**{k: v for k, v in data.items() if k in LOCK_KEYS})
        except PermissionError:
            return _unreadable(path)
        except (OSError, ValueError, TypeError, AttributeError):  # torn: not an object
            return None
        return holder._replace(journal=self._journal_of(system, holder.incident))

    def holders(self) -> list[Holder]:
        """Every lock's holder, as `holder` reads each one."""
        return list(self.held().values())

    def held(self) -> dict[str, Holder]:
        """Each locked system's holder, as `holder` reads it (a torn lock left out)."""
        paths = sorted(self.directory.glob("*.lock"))
        return {p.stem: h for p in paths if (h := self.holder(p.stem)) is not None}

    def acquire(
        self, system: str, me: Holder, take_over_stale: bool = False, reason: str = ""
    ) -> Holder | None:
        """Take the lock; returns the stale holder it replaced, if any; raises LockHeld.
        Its read, check, unlink and create run under the directory's mutex, and a new lock
        file is whole once it is visible: two consoles taking one lock, or one stale lock
        over, at once, cannot both have it. A stale lock of another incident taken over is
        noted for that incident (`taken_from`), with `reason`."""
        secure_dir(self.directory, group_ok=True)
        path = self._path(system)
        payload = json.dumps({k: getattr(me, k) for k in LOCK_KEYS}, sort_keys=True).encode()
        with serialized(self.directory):
            if link_new(path, payload, file_mode(self.directory)):
                self._noted(system, me)
                return None
            holder = self.holder(system)
            if holder is not None:  # else torn (an older console's, crashed mid-write)
                if holder.incident == me.incident and holder.pid == me.pid:
                    return None
                stale = not holder.alive()
                if not (stale and take_over_stale):
                    raise LockHeld(system, holder, stale)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            # An older console's, meanwhile:
            if not link_new(path, payload, file_mode(self.directory)):
                raise LockHeld(system, self.holder(system) or me, stale=False)
            self._noted(system, me)
            if holder is not None and holder.incident != me.incident:
                path = self._note_path(system, "taken")
                lock_notes.note_taken(path, holder.incident, me._asdict(), reason, self.publish)
            return holder

    def _noted(self, system: str, me: Holder) -> None:
        """Beside a lock just taken: its journal, and its holder for every incident that
        let go of it open (`lock_notes.note_holder`)."""
        self._note_journal(system, me)
        lock_notes.note_holder(self._note_path(system, "left"), me._asdict(), self.publish)

    def _note_path(self, system: str, kind: str) -> Path:
        path = self._path(system)
        return path.with_name(f"{path.name}.{kind}")

    def taken_from(self, system: str, incident: str) -> list[dict[str, object]]:
        """The notes that other incidents took `incident`'s lock on `system` over while it
        was stale, and held it after `incident` let go of it open (lock_notes), oldest
        first; removed once read (the caller journals them)."""
        taken, left = self._note_path(system, "taken"), self._note_path(system, "left")
        if not taken.exists() and not left.exists():
            return []
        with serialized(self.directory):
            return [
                *lock_notes.taken_from(taken, incident, self.publish),
                *lock_notes.left_since(left, incident, self.publish),
            ]

    def publish(self, path: Path, payload: bytes) -> None:
        """Write a file of this directory whole (aside, then moved into place), with its
        lock files' mode: group-readable where the team shares the directory."""
        secure_dir(self.directory, group_ok=True)
        aside = aside_path(path)
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
        write_new(aside, payload, file_mode(self.directory))
        os.replace(aside, path)

    def release(self, system: str, me: Holder, left_open: bool = False) -> None:
        """Let go of `me`'s lock; `left_open`: its incident stays open, and who holds the
        system next is noted for it to read when it takes the lock again."""
        if not self._path(system).exists():
            return  # nothing held here (its directory may have gone with its disk)
        with serialized(self.directory):
            holder = self.holder(system)
            if holder and holder.incident == me.incident and holder.pid == me.pid:
                with contextlib.suppress(OSError):  # the note, if there is one to remove
                    self._journal_path(system).unlink()
                with contextlib.suppress(FileNotFoundError):
                    self._path(system).unlink()
                if left_open:
                    lock_notes.note_left(self._note_path(system, "left"), me.incident, self.publish)
