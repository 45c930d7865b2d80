"""A teammate's request for command of an incident whose console still runs (the owner
left it open in a terminal and went off shift): `<incident>.handover` in the team's lock
directory, which every console of the team reads and may write. The console driving the
incident asks whoever is at its keyboard; with nobody there for its countdown it hands
command over and quits, letting go of the journal and the locks, and the teammate's console
then takes command (console/engine/handover.py). Esc there keeps command: the request is
removed, and the teammate is told."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from console.journal.custody import custody
from console.journal.files import read_shared
from console.journal.lock import SystemLocks, process_alive

SUFFIX = ".handover"
ANSWER_SECONDS = 60.0  # how long the asking side waits: the countdown there, and its quit
POLL_SECONDS = 0.5
LET_GO_SECONDS = 30.0  # handed over as the asker gave up: how long it waits for the let-go
ACCEPTED = ".accepted"


class Request(NamedTuple):
    """Who asks for command, from which process, since when, and why."""

    to: str  # the commander's name to be: the asking account's login
    user: str
    pid: int
    host: str
    since: str
    reason: str

    def said(self) -> str:
        """`rbalice (pid 4242 on jump1, since 2026-12-04 03:02:55 UTC): REASON`."""
        since = self.since[:19].replace("T", " ")
        return f"{self.user} (pid {self.pid} on {self.host}, since {since} UTC): {self.reason}"


def _path(locks: SystemLocks, incident: str) -> Path:
    return locks.directory / f"{incident}{SUFFIX}"


def _accepted(locks: SystemLocks, incident: str) -> Path:
    """Where the console driving `incident` moves the request it answers by handing
    command over (`accept`): the asker, giving up at that moment, finds it there."""
    return locks.directory / f"{incident}{SUFFIX}{ACCEPTED}"


def _read(path: Path) -> Request | None:
    try:
        data = json.loads(read_shared(path))
        return Request(**{k: data[k] for k in Request._fields})
    except (OSError, ValueError, TypeError, KeyError):
        return None


def ask(locks: SystemLocks, incident: str, to: str, user: str, reason: str) -> Request:
    """Write this process's request for command of `incident` (replacing any other)."""
    since = datetime.now(UTC).isoformat(timespec="seconds")
    request = Request(to, user, os.getpid(), socket.gethostname(), since, reason.strip())
    locks.publish(_path(locks, incident), json.dumps(request._asdict()).encode())
    return request


def asked(locks: SystemLocks, incident: str) -> Request | None:
    """The request for command of `incident`, if one stands: its process still runs."""
    request = _read(_path(locks, incident))
    if request is None:
        return None
    return request if process_alive(int(request.pid), str(request.host)) else None


def withdraw(locks: SystemLocks, incident: str) -> None:
    """No request stands any more (answered, kept, or given up)."""
    for path in (_path(locks, incident), _accepted(locks, incident)):
        with contextlib.suppress(OSError):
            path.unlink()


def accept(locks: SystemLocks, incident: str, request: Request) -> bool:
    """The console driving `incident` hands command over on `request`: True once it is
    taken as answered, moved aside (a rename) where the asker finds it; False when it no
    longer stands (the asker gave up first: withdrawn, or asked anew). The asker's giving
    up removes the same name (`give_up`): one of the two happens, never both, so that
    neither side says "handed over" while the other says "ask again later"."""
    path, aside = _path(locks, incident), _accepted(locks, incident)
    if asked(locks, incident) != request:
        return False
    try:
        os.rename(path, aside)
    except OSError:
        return False
    if _read(aside) == request:
        return True
    with contextlib.suppress(OSError):  # another's, asked meanwhile: put back, unanswered
        os.link(aside, path)
        aside.unlink()
    return False


def give_up(locks: SystemLocks, incident: str, request: Request) -> bool:
    """The asker stops waiting: True once its request is withdrawn (nothing is handed
    over); False when the console driving the incident had just taken it as answered
    (`accept`): command comes here once that console lets go."""
    with contextlib.suppress(OSError):  # gone, or not this account's to remove
        if asked(locks, incident) == request:
            _path(locks, incident).unlink()
            return True
    return _read(_accepted(locks, incident)) != request


def answer(locks: SystemLocks, journal: Path, incident: str, request: Request) -> str | None:
    """One look at how `request` stands: "let go" (nothing of the owner's runs any more:
    the request is withdrawn, command may be taken), "kept" (removed there), or None (no
    answer yet, or handed over and not yet let go)."""
    if not custody(journal.parent, incident, locks.held()).running:
        withdraw(locks, incident)
        return "let go"
    if asked(locks, incident) is not None or _read(_accepted(locks, incident)) == request:
        return None
    return "kept"


class Waiting:
    """The asker's wait for an answer, one look every POLL_SECONDS (`look`), bounded:
    None while nothing is decided, else "let go" (take command now), "kept",
    "unanswered" (ANSWER_SECONDS passed: withdrawn, nothing is handed over) or "held"
    (handed over as the wait ran out, and not let go LET_GO_SECONDS later)."""

    def __init__(self, locks: SystemLocks, journal: Path, incident: str, request: Request):
        self.locks, self.journal, self.incident, self.request = locks, journal, incident, request
        self.looks = int(ANSWER_SECONDS / POLL_SECONDS)
        self.handed = False  # taken as answered just as the wait ran out

    def look(self) -> str | None:
        said = answer(self.locks, self.journal, self.incident, self.request)
        self.looks -= 1
        if said is not None or self.looks > 0:
            return said
        if self.handed:
            return "held"
        if give_up(self.locks, self.incident, self.request):
            return "unanswered"
        self.handed, self.looks = True, int(LET_GO_SECONDS / POLL_SECONDS)
        return None
