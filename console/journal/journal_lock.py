"""One writer per journal: whatever appends to an incident's journal (and its output file)
holds an exclusive flock on `writer.lock` beside it, taken without waiting when the
writer opens, given back when it closes or its process ends (nothing stale is left).
The file names the holder, for the refusal of a second writer; readers take nothing."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import pwd
import shlex
import socket
import stat
from datetime import UTC, datetime
from pathlib import Path

from console.journal.files import (
    NOT_A_FILE,
    WRITER_LOCK_NAME,
    JournalError,
    incident_modes,
    open_own,
)
from console.model.invocation import again

# What this process is, as a refusal names it ("rollback-console verify"): the command
# line sets it once parsed.
PROGRAM = ["rollback-console"]
# The bytes writer.lock keeps: what a writer stopped by a full disk says there fits in them.
ROOM = 1024
# Commands whose process is a console a person closes (the others end by themselves).
CONSOLES = ("rollback-console", "rollback-console demo", "rollback-console resume")


class JournalInUse(JournalError):
    """Another process writes this journal: nothing was written by this one. The message
    names the holder (when it can be read) and what to do."""

    def __init__(self, journal: Path, incident: str, holder: dict[str, object] | None):
        self.journal = journal
        self.holder = holder or {}
        directory = journal.parent
        whose = f"incident {incident}'s journal" if incident else str(journal)  # + follow DIR
        super().__init__(
            f"{whose} is being written by"
            f" {_who(self.holder)}: nothing was written here; {_advice(self.holder, incident)},"
            f" or watch it read-only meanwhile: {again(f'follow {shlex.quote(str(directory))}')}"
        )


class JournalNotOurs(JournalError):
    """Another account's journal (a teammate's, in a team's journal_dir): read-only here.
    The message names the incident, its owner and how to read it."""


def _not_ours(journal: Path, incident: str) -> str:
    from console.journal.custody import custody  # it reads this module's CONSOLES

    whose = f"incident {incident}'s journal" if incident else str(journal)
    try:
        owner = pwd.getpwuid(journal.parent.stat().st_uid).pw_name
    except (OSError, KeyError):
        return f"{whose} is not this account's to write ({journal.parent})"
    # Whether what writes it still runs (it said "goes on with it" of one killed), and
    # what it is: a headless run has no console.
    found = custody(journal.parent, incident, {})
    if found.driven and found.writer is not None:
        then = f"{owner}'s {found.writer.what} goes on with it"
    else:
        take = again(f"resume {incident or journal.parent} --take-command REASON")
        then = f"{found.ended()}: to carry it on, take command of it ({take})"
    follow = again(f"follow {shlex.quote(str(journal.parent))}")
    return (
        f"{whose} is {owner}'s: this account may read it ({follow}, export), not write it; {then}"
    )


def _who(holder: dict[str, object]) -> str:
    if not holder.get("pid"):  # just taken, its name not written yet, or unreadable
        return "another process"
    since = str(holder.get("since", ""))[:19].replace("T", " ")
    return (
        f"{holder.get('program', 'rollback-console')} pid {holder['pid']}"
        f" ({holder.get('user', '?')} on {holder.get('host', '?')}, since {since} UTC)"
    )


def _advice(holder: dict[str, object], incident: str) -> str:
    user = holder.get("user")
    if user is not None and user != _user():  # a teammate's: not this account's to close
        take = again(f"resume {incident or 'ID'} --take-command REASON")
        return f"that console is {user}'s: ask it for command first ({take})"
    if holder.get("program", "rollback-console") in CONSOLES:
        return "close that console first"
    return "let that command end first"


class JournalLock:
    """The writer's lock on `journal`; raises JournalInUse when another process holds it
    (naming `incident` when given)."""

    def __init__(self, journal: Path, incident: str = ""):
        path = journal.with_name(WRITER_LOCK_NAME)
        mode = incident_modes(journal.parent)[1]
        try:  # never through a link nor into a file not ours: it is emptied and written
            self.fd = open_own(path, os.O_RDWR, mode)
        except PermissionError:
            raise JournalNotOurs(_not_ours(journal, incident)) from None
        except OSError as exc:
            raise JournalError(_unopened(path, exc)) from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(self.fd)
            os.close(self.fd)
            raise JournalInUse(journal, incident, holder) from None
        except OSError as exc:  # a filesystem without locks: no custody could be promised
            os.close(self.fd)
            raise JournalError(f"{path}: cannot be locked: {exc.strerror}") from None
        self.me: dict[str, object] = {
            "pid": os.getpid(),
            "user": _user(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
            "program": PROGRAM[0],
        }
        self.previous = _read(self.fd) or {}  # the writer before: `stopped` if it said why
        self.why: str | None = None  # why this writer stopped, once said (`stopped`)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, _padded(self.me), 0)

    def stopped(self, why: str) -> None:
        """The journal could not be written (`why`: a full disk): said here, where `list`,
        `follow` and a resume look, since the journal cannot take it. Written over the
        bytes the file holds already (padded to ROOM when taken: a full disk has room for
        it), and kept past `close`."""
        if self.fd < 0 or self.why is not None:
            return
        self.why = why
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with contextlib.suppress(OSError):  # the journal's own failure is what is said
            os.pwrite(self.fd, _padded({**self.me, "stopped": why[: ROOM // 2], "at": at}), 0)

    @staticmethod
    def check(journal: Path, incident: str = "") -> None:
        """Raise what taking the lock would raise (JournalInUse, JournalNotOurs), taking
        nothing: tried and let go at once, the file left as it is."""
        path = journal.with_name(WRITER_LOCK_NAME)
        try:  # a FIFO's open would wait for a writer
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # nobody has written it under a lock yet
        except PermissionError:
            raise JournalNotOurs(_not_ours(journal, incident)) from None
        except OSError as exc:
            raise JournalError(_unopened(path, exc)) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # as taking it would refuse it
                raise JournalError(_unopened(path, OSError(errno.EINVAL, NOT_A_FILE)))
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JournalInUse(journal, incident, _read(fd)) from None
        except OSError as exc:
            raise JournalError(f"{path}: cannot be locked: {exc.strerror}") from None
        finally:
            os.close(fd)

    def close(self) -> None:
        """Give the lock back (the file stays: unlinking it would let a third process lock
        a new file while a second holds the old one), emptied first: a listing then reads
        that nobody writes the journal, where a holder named by a process that was killed
        reads as ended (console/journal/custody.py)."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):  # the lock goes all the same
                if self.why is None:  # else why it stopped stays, for the next reader
                    os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = -1


def _unopened(path: Path, exc: OSError) -> str:
    """Why the writer's lock could not be opened, in one line: a link or a device there
    is no lock this console made."""
    if exc.errno == errno.ELOOP or path.is_symlink():
        why = "a symbolic link, not the lock file itself"
    elif exc.strerror == NOT_A_FILE or exc.errno == errno.ENXIO:
        why = "not a regular file (a device or a pipe)"
    else:
        return f"{path}: cannot be opened: {exc.strerror}"
    return (
        f"{path}: {why}: refused, nothing was written; the console makes it as a file:"
        " remove what is there if you did not put it there"
    )


def named_in(path: Path) -> dict[str, object] | None:
    """What the writer's lock at `path` names (None: nothing, or not a lock file), read
    without taking it, as a listing reads it: never through a link, never waiting on a
    FIFO planted there (the listing, and the home screen with it, waited for ever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return _read(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else None
    finally:
        os.close(fd)


def _padded(holder: dict[str, object]) -> bytes:
    """The holder's line, padded with blanks to ROOM bytes (JSON reads past them)."""
    line = json.dumps(holder).encode()
    return line.ljust(ROOM - 1) + b"\n"


def _read(fd: int) -> dict[str, object] | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"
