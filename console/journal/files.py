"""The journal's files: their names and modes, a private directory, a private write."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO, NamedTuple

JOURNAL_NAME = "journal.jsonl"
OUTPUT_NAME = "output.jsonl"
WRITER_LOCK_NAME = "writer.lock"  # held by the one process writing both (journal_lock.py)
DIR_MODE = 0o700
FILE_MODE = 0o600


class JournalError(Exception):
    """A journal that cannot be read or written safely; the message names the file."""


class JournalWriteFailed(OSError):
    """A journal file could not be written (a full disk, an I/O error): nothing is
    recorded after it, so nothing more is sent to any host (each command's intent must be
    on disk first). The message names the file and the system's reason."""

    def __init__(self, path: Path, exc: OSError):
        super().__init__(exc.errno, exc.strerror)
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: cannot be written: {self.strerror}"


class TornLine(NamedTuple):
    """The unterminated, unparsable tail a crash mid-write leaves behind."""

    path: Path
    line: int
    size: int


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


def incident_modes(directory: Path) -> tuple[int, int]:
    """The modes of incident `directory` and of its files: private (0700, 0600), or,
    in a team's journal directory (one its group may write, as an administrator shares
    it: 2770), readable by that group (0750, 0640), so that teammates follow and export
    the incident; only its writer writes."""
    try:
        team = directory.parent.stat().st_mode & stat.S_IWGRP
    except OSError:
        team = 0
    return (0o750, 0o640) if team else (DIR_MODE, FILE_MODE)


def secure_incident_dir(directory: Path) -> int:
    """Create `directory` or set its mode as `incident_modes` says (a setgid bit is
    kept); the mode of its files. One more open than that, and not ours to change, is
    refused."""
    make_dirs(directory)
    mode, files = incident_modes(directory)
    current = directory.stat().st_mode
    if stat.S_IMODE(current) & 0o777 != mode:
        try:
            directory.chmod(mode | (current & stat.S_ISGID))
        except OSError as exc:
            if current & 0o777 & ~mode:
                raise JournalError(
                    f"{directory}: mode {stat.S_IMODE(current):o} lets others read it: {exc}"
                ) from None
    return files


NOT_A_FILE = "not a regular file (a device or a pipe): name a file"


def replaceable(target: Path) -> None:
    """Refuse (OSError, in words) a `target` a document renamed into place would replace
    though it is, or links to, anything but a file or a directory (refused as the rename
    says it): as root, `-o /dev/stdout` replaced that link in /dev with the document,
    `-o /dev/null` the device itself, for every account; a FIFO's reader was left waiting."""
    for look in (os.lstat, os.stat):
        try:
            found = look(target).st_mode
        except OSError:
            continue
        if not (stat.S_ISREG(found) or stat.S_ISDIR(found) or stat.S_ISLNK(found)):
            raise OSError(errno.EINVAL, NOT_A_FILE)


def open_own(path: Path | str, flags: int, mode: int = FILE_MODE) -> int:
    """`path` opened (and made, `mode`) with `flags` for writing, then given `mode` whatever
    it was: never through a symbolic link, never another account's file (in a directory
    others may write, one planted there would have had its file written and given
    `mode`), never a device or a pipe (as root, `/dev/null` was made 0600 for every
    account; a FIFO with no reader held the command for ever). Refused as an OSError whose
    strerror says why in words."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode)
    except OSError as exc:
        if os.path.islink(path):
            raise OSError(errno.ELOOP, "a symbolic link: name the file itself") from None
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads
            raise OSError(errno.ENXIO, NOT_A_FILE) from None
        raise
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise OSError(errno.EINVAL, NOT_A_FILE)
        if found.st_uid != os.geteuid():
            from console.journal.custody import account_name

            raise OSError(errno.EPERM, f"another account's file ({account_name(found.st_uid)})")
        os.set_blocking(fd, True)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_read(path: Path) -> BinaryIO:
    """`path` opened for reading as a journal's file: never through a symbolic link, never
    a device or a pipe (a FIFO planted as journal.jsonl held `list`, and the home screen
    with it, for ever; a link listed another incident under this one's name), never a
    file of another account than its directory's (planted in a directory the team may
    write) unless it is the reader's own, which nobody else planted (a journal copied to
    /tmp, root's). Refused as an OSError whose strerror says why in words."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise OSError(errno.ELOOP, "a symbolic link, not the file itself") from None
        raise
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device or a pipe)")
        owner = os.stat(Path(path).parent).st_uid
        if found.st_uid not in (owner, os.geteuid()):
            from console.journal.custody import account_name

            raise OSError(
                errno.EPERM,
                f"another account's file ({account_name(found.st_uid)}) in a directory of"
                f" {account_name(owner)}'s",
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def followed(path: Path, hops: int = 8) -> Path:
    """The journal file a path the user typed names, when that path is a symbolic link
    (`~/incidents/current.jsonl`, made by hand): followed while each link on the way is
    the reader's own, to a regular file of the reader's own; its real path. The journal's
    readers never follow a link (one planted in a team's directory read another incident
    under this one's name), so a link the user typed was refused though it was theirs:
    'cannot be read: a symbolic link, not the file itself'. Anything else is refused as
    an OSError whose strerror says what the link is and where it leads, in one line."""
    from console.journal.custody import account_name

    me = os.geteuid()
    for _ in range(hops):
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            raise OSError(
                errno.ENOENT, f"a symbolic link to {path}, which does not exist"
            ) from None
        if not stat.S_ISLNK(found.st_mode):
            break
        target = path.parent / os.readlink(path)
        if found.st_uid != me:
            why = f"a symbolic link of {account_name(found.st_uid)}'s (to {target})"
            raise OSError(errno.EPERM, f"{why}, not followed: name the journal itself")
        path = target
    else:
        raise OSError(errno.ELOOP, f"symbolic links more than {hops} deep: name the journal itself")
    found = os.stat(path)
    if not stat.S_ISREG(found.st_mode):
        raise OSError(errno.EINVAL, f"a symbolic link to {path}, which is not a journal file")
    if found.st_uid != me:
        owner = account_name(found.st_uid)
        raise OSError(
            errno.EPERM,
            f"a symbolic link to {path}, {owner}'s file, not followed: name that file itself",
        )
    return Path(os.path.realpath(path))


def read_shared(path: Path, limit: int = 1 << 20) -> bytes:
    """The bytes of a small file of a directory the team shares (the lock directory: a
    lock, the journal noted beside it, a request for command), which any account sharing
    it may have written: never read through a symbolic link, never a device or a pipe (a
    FIFO planted as `web.lock` held the console that took the lock, frozen, and the
    directory's mutex with it, for every console of the team; a link there read another
    file as this one). At most `limit` bytes. Refused as an OSError whose strerror says
    why in words; a file this account may not read raises PermissionError, as before."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "a symbolic link, not the file itself") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device or a pipe)")
        os.set_blocking(fd, True)
        return os.read(fd, limit)
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes, mode: int = FILE_MODE, sync: bool = False) -> None:
    """Write a whole file with `mode` (0600 unless relaxed on purpose), whatever the
    umask and whatever mode an earlier file at `path` had; missing parents are 0700.
    `sync`: on disk before this returns. Only a file of this account's, as `open_own`
    opens it."""
    make_dirs(path.parent)
    fd = open_own(path, os.O_WRONLY, mode)
    try:
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
