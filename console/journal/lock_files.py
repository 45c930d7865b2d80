"""The lock directory's files: each written whole before it is visible (aside, then
linked or moved into place), with the mode the directory's sharing asks for, under the
directory's mutex."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from console.journal.files import FILE_MODE, JournalError

# Held while a lock is read, judged, removed or made (`serialized`); not a `*.lock`: no
# system's. Waited for at most MUTEX_WAIT seconds.
MUTEX_NAME = "acquire.mutex"
MUTEX_WAIT = 10.0
NOT_OWN = "is %s, not the lock directory's own file: remove it (ask who made it why)"


def aside_path(path: Path) -> Path:
    """Where `path`'s next content is written before it is moved or linked into place:
    this account's and process's own, in the same directory."""
    return path.with_name(f".{path.name}.{os.geteuid()}.{os.getpid()}.new")


def file_mode(directory: Path) -> int:
    """The mode of the files made here: group-readable where the directory's group
    shares it (a team's lock_dir, 2770), so that every console of the team names a
    lock's holder and judges it stale; else private."""
    shared = stat.S_IMODE(directory.stat().st_mode) & 0o070
    return FILE_MODE | 0o040 if shared else FILE_MODE


@contextlib.contextmanager
def serialized(directory: Path) -> Iterator[None]:
    """Hold the lock directory's mutex (an exclusive flock on MUTEX_NAME, which every
    account sharing the directory can open). Held for a few file operations; waited
    for at most MUTEX_WAIT seconds."""
    path = directory / MUTEX_NAME
    mode = file_mode(directory)
    # Never through a link, nor a FIFO (its open would wait for a writer), that another
    # account sharing the directory planted: its file would be made `mode`.
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, mode)
    except OSError as exc:
        if path.is_symlink():
            raise JournalError(f"{path}: {NOT_OWN % 'a symbolic link'}") from None
        raise JournalError(f"{path}: cannot be opened: {exc.strerror}") from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_nlink != 1:
            kind = "a hard link" if stat.S_ISREG(found.st_mode) else "not a file"
            raise JournalError(f"{path}: {NOT_OWN % kind}")
        if found.st_uid == os.geteuid():
            os.fchmod(fd, mode)  # whatever the umask
        for _ in range(int(MUTEX_WAIT / 0.01)):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.01)
        else:
            raise JournalError(f"{path}: held by another process for {MUTEX_WAIT:.0f} s")
        yield
    finally:
        os.close(fd)


def link_new(path: Path, payload: bytes, mode: int) -> bool:
    """Create `path` holding `payload`, whole before it is visible (written aside, then
    linked into place); False, nothing changed, when `path` exists."""
    aside = aside_path(path)
    with contextlib.suppress(FileNotFoundError):
        aside.unlink()  # a crashed console's of the same account and pid
    write_new(aside, payload, mode)
    try:
        os.link(aside, path)
    except FileExistsError:
        return False
    finally:
        aside.unlink()
    return True


def write_new(path: Path, payload: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(fd, mode)  # whatever the umask
        handle.write(payload)
