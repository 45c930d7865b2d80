"""Taking command of a teammate's open incident once their console has gone (the shift
changes; the console was quit, or killed). In a team's journal_dir an incident's files
are its owner's alone (0640): nobody else may append to them, and that stays so. The
incident goes on in a journal of the new commander's own: the owner's is copied whole
(journal and output, byte for byte, and where the team may read them, the key of its
configuration's secrets and that configuration, masked) into a directory of this account,
which takes the incident's place (`ID/`); the owner's is kept as it was beside it
(`ID~OWNER/`), and the hand-over is the first event after the copy
(commander.handed_over: from whom, why, the copied journal's size, event count and
SHA-256, where the original is kept).

Refused, naming why, while the owner's console runs (it holds the journal's writer lock:
taken here, read-only, for the copy, so it cannot start writing meanwhile) or a system
lock naming the incident is held by a running process; for an incident closed, this
account's own, or outside the team's journal_dir."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from console.engine.errors import ProcedureError
from console.journal.custody import Writer, custody
from console.journal.files import (
    JOURNAL_NAME,
    OUTPUT_NAME,
    WRITER_LOCK_NAME,
    open_read,
    secure_incident_dir,
    write_private,
)
from console.journal.lock import SystemLocks
from console.model.invocation import again

if TYPE_CHECKING:
    from collections.abc import Callable

    from console.journal.redact import Redactor
    from console.journal.store import Progress
    from console.model.clock import Clock
    from console.model.events import Actor
    from console.model.state import IncidentState

SEGMENT_MARK = "~"  # ID~OWNER: the journal an incident was handed over from, kept as it was


class HandOverRefused(ProcedureError):
    """Command was not taken: the message says why and what to do; nothing was changed.
    `running`: because a process of the owner's runs (its console may be asked)."""

    def __init__(self, message: str, running: bool = False):
        super().__init__(message)
        self.running = running


class TakenOver(NamedTuple):
    """Where the incident goes on, and what was taken over."""

    journal: Path  # the incident's journal now: this account's
    kept: Path  # the previous owner's journal, as it was
    owner: str  # its account
    size: int  # bytes of the journal copied
    events: int  # its lines
    sha256: str
    writer: str  # its last writer, as the listing says it

    def note(self, reason: str) -> str:
        """The hand-over's words in the record."""
        return (
            f"{reason.strip()} — taken over from {self.owner}'s journal ({self.writer}):"
            f" {self.events} events, {self.size} bytes, sha256 {self.sha256}, copied whole;"
            f" kept as it was at {self.kept}"
        )


def take_command_recorded(
    journal: Path,
    journal_root: Path,
    locks: SystemLocks,
    reason: str,
    recording: tuple[Clock, Actor, Redactor],
    ready: Callable[[IncidentState], None] = lambda state: None,
    progress: Progress | None = None,
) -> Path:
    """`take_command`, then the hand-over recorded in the copy, by this account (the
    clock, actor and redactor of its engine); the journal to resume. `ready` is called
    with the incident's state once every refusal has passed, before anything is copied
    (it may refuse too). `progress` hears how far each reading of the journal is (the
    state, then the copy as its recorder opens it)."""
    from console.journal.recorder import Recorder
    from console.model.events import Kind

    if not reason.strip():
        raise HandOverRefused("taking command of a teammate's incident needs a reason")
    taken = take_command(journal, journal_root, locks, ready, progress)
    clock, actor, redactor = recording
    recorder = Recorder.open(taken.journal.parent, clock, actor, redactor, progress)
    try:
        if recorder.state.commander == actor.login:  # handed over already, by its console
            recorder.record(Kind.NOTE_ADDED, text=f"command taken up here: {taken.note(reason)}")
        else:
            recorder.record(
                Kind.COMMANDER_HANDED_OVER,
                to=actor.login,
                previous=recorder.state.commander or taken.owner,
                note=taken.note(reason),
                reason=reason.strip(),
            )
    finally:
        recorder.close()
    return taken.journal


def take_command(
    journal: Path,
    journal_root: Path,
    locks: SystemLocks,
    ready: Callable[[IncidentState], None] = lambda state: None,
    progress: Progress | None = None,
) -> TakenOver:
    """Copy the incident of `journal` into this account's own directory in its place, the
    owner's kept beside it; raises HandOverRefused. `ready`, `progress`: as
    `take_command_recorded`."""
    from console.journal.store import read_journal
    from console.model.state import fold

    directory = journal.parent
    incident = directory.name
    if directory.parent.resolve() != journal_root.resolve():
        raise HandOverRefused(
            f"{directory}: not in this configuration's journal_dir ({journal_root}):"
            " only an incident of the team's journal_dir is handed over"
        )
    found = custody(directory, incident, locks.held())
    follow = again(f"follow {incident}")
    if found.mine:
        raise HandOverRefused(f"incident {incident} is this account's own: resume it")
    state = fold(read_journal(journal, progress).events)
    if state.incident_id not in (None, incident):
        raise HandOverRefused(f"{journal}: the journal of incident {state.incident_id}")
    if state.closed:
        raise HandOverRefused(
            f"incident {incident} is closed: there is no command to take; its amendments"
            f" are {found.owner}'s (export it, or follow it: {follow})"
        )
    if live := [(s, h) for s, h in found.locks if h.alive()]:
        system, holder = live[0]
        raise HandOverRefused(
            f"incident {incident}'s lock on {system} is held by {holder.user}'s running"
            f" process pid {holder.pid} on {holder.host}: ask {holder.user} to quit that"
            f" console first; follow it meanwhile: {follow}",
            running=True,
        )
    try:  # read-only, for its lock: as a listing reads it, never a link nor a FIFO
        lock = open_read(directory / WRITER_LOCK_NAME)
    except OSError as exc:
        raise HandOverRefused(
            f"{directory / WRITER_LOCK_NAME}: {exc.strerror or exc}: refused, nothing"
            " copied or taken; the console makes it as a file of the incident's account"
        ) from None
    with lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # no writer, nor one starting
        except BlockingIOError:
            writer = found.writer.said() if found.writer else "a process of theirs"
            raise HandOverRefused(
                f"incident {incident}'s journal is being written by {writer}: ask"
                f" {found.owner} to quit that console first; follow it meanwhile: {follow}",
                running=True,
            ) from None
        ready(state)
        return _copy_in_place(directory, journal_root, found.owner, _said(found.writer))


def _read_whole(path: Path) -> bytes:
    """A file of the owner's incident, whole, as the journal's readers open it (never a
    link, a FIFO or a third account's file: refused, nothing taken)."""
    try:
        with open_read(path) as handle:
            return handle.read()
    except OSError as exc:
        raise HandOverRefused(f"{path}: {exc.strerror or exc}: refused, nothing taken") from None


def _copy_beside(directory: Path, new: Path, mode: int) -> None:
    """What the incident keeps of the configuration it opened with copied with the journal,
    where the team may read it (0640, as the journal): the key of its secrets
    (config_secrets.py) and the files, masked (config_kept.py). Without them, its secrets
    could never be compared again, nor what changed said key by key. One the owner alone
    may read stays where it is (the key's absence is said where secrets are compared)."""
    from console.engine.config_kept import KEPT_NAME
    from console.engine.config_secrets import KEY_NAME

    for name in (KEY_NAME, KEPT_NAME):
        try:
            with open_read(directory / name) as handle:
                data = handle.read()
        except OSError:
            continue
        write_private(new / name, data, mode, sync=True)


def _said(writer: Writer | None) -> str:
    return writer.said() if writer is not None else "no console wrote it then"


def _copy_in_place(directory: Path, root: Path, owner: str, writer: str) -> TakenOver:
    """Copy `directory`'s journal and output into a new directory of this account, then
    move the owner's aside (ID~OWNER) and the copy into its place."""
    incident = directory.name
    data = _read_whole(directory / JOURNAL_NAME)
    output = directory / OUTPUT_NAME
    new = root / f".{incident}.{os.geteuid()}.{os.getpid()}.new"
    mode = secure_incident_dir(new)
    try:
        write_private(new / JOURNAL_NAME, data, mode, sync=True)
        copied = _read_whole(output) if os.path.lexists(output) else b""
        write_private(new / OUTPUT_NAME, copied, mode, sync=True)
        _copy_beside(directory, new, mode)
        kept = _kept_name(root, incident, owner)
        try:
            directory.rename(kept)
        except OSError as exc:  # a sticky journal_dir (3770): not this account's to move
            raise HandOverRefused(
                f"{directory} cannot be moved aside by this account ({exc.strerror}):"
                f" the journal_dir {root} must be the team's to write, without a sticky bit"
            ) from None
        try:
            new.rename(directory)
        except BaseException:
            kept.rename(directory)  # theirs back in place: nothing taken over
            raise
    except BaseException:
        for path in new.iterdir() if new.exists() else ():
            path.unlink()
        with contextlib.suppress(OSError):
            new.rmdir()
        raise
    return TakenOver(
        directory / JOURNAL_NAME,
        kept / JOURNAL_NAME,
        owner,
        len(data),
        data.count(b"\n"),
        hashlib.sha256(data).hexdigest(),
        writer,
    )


def _kept_name(root: Path, incident: str, owner: str) -> Path:
    for n in range(1, 1000):
        kept = root / f"{incident}{SEGMENT_MARK}{owner}{'' if n == 1 else f'.{n}'}"
        if not kept.exists():
            return kept
    raise HandOverRefused(f"{root}: too many earlier copies of incident {incident}")


def handed_over_from(journal: Path, journal_root: Path) -> Path | None:
    """The incident's journal now, when `journal` is one it was handed over from (kept
    as it was, ID~OWNER): nothing may be written there any more."""
    directory = journal.parent
    incident, mark, _ = directory.name.partition(SEGMENT_MARK)
    current = journal_root / incident / JOURNAL_NAME
    if not mark or directory.parent.resolve() != journal_root.resolve():
        return None
    return current if current.is_file() else None
