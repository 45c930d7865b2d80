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


def ask(locks: SystemLocks, incident: str, to: str, user: str, reason: str) -> Request:
    """Write this process's request for command of `incident` (replacing any other)."""
    since = datetime.now(UTC).isoformat(timespec="seconds")
    request = Request(to, user, os.getpid(), socket.gethostname(), since, reason.strip())
    locks.publish(_path(locks, incident), json.dumps(request._asdict()).encode())
    return request


def asked(locks: SystemLocks, incident: str) -> Request | None:
    """The request for command of `incident`, if one stands: its process still runs."""
    try:
        data = json.loads(read_shared(_path(locks, incident)))
        request = Request(**{k: data[k] for k in Request._fields})
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return request if process_alive(int(request.pid), str(request.host)) else None


def withdraw(locks: SystemLocks, incident: str) -> None:
    """No request stands any more (answered, kept, or given up)."""
    with contextlib.suppress(OSError):
        _path(locks, incident).unlink()


def answer(locks: SystemLocks, journal: Path, incident: str) -> str | None:
    """One look at how the request stands: "let go" (nothing of the owner's runs any more:
    the request is withdrawn, command may be taken), "kept" (removed there), or None (no
    answer yet)."""
    if not custody(journal.parent, incident, locks.held()).running:
        withdraw(locks, incident)
        return "let go"
    return "kept" if asked(locks, incident) is None else None
