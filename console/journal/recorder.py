"""The one way facts enter an incident: stamp, redact, append, fold, notify."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path

from console.journal.redact import Redactor
from console.journal.store import JOURNAL_NAME, JournalWriter, read_journal
from console.model.clock import Clock
from console.model.events import Actor, Event, Kind, Where
from console.model.state import IncidentState, fold

Listener = Callable[[Event], None]


def current_actor() -> Actor:
    """The OS user, and the SSH client address of the jump-host session if any."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid-{os.getuid()}"
    client = os.environ.get("SSH_CONNECTION", "").split(" ")[0] or None
    return Actor(user=user, client=client)


class Recorder:
    """Owns the incident's journal and its folded state, and tells listeners."""

    def __init__(
        self,
        writer: JournalWriter,
        clock: Clock,
        actor: Actor,
        redactor: Redactor | None = None,
        history: list[Event] | None = None,
    ):
        self.writer = writer
        self.clock = clock
        self.actor = actor
        self.redactor = redactor or Redactor()
        self.events: list[Event] = list(history or [])
        self.state: IncidentState = fold(self.events)
        self._listeners: list[Listener] = []

    @property
    def path(self) -> Path:
        return self.writer.path

    @classmethod
    def open(
        cls, directory: Path, clock: Clock, actor: Actor, redactor: Redactor | None = None
    ) -> Recorder:
        """Open (or create) the journal in an incident directory, folding what it holds."""
        path = directory / JOURNAL_NAME
        history = read_journal(path).events if path.exists() else []
        return cls(JournalWriter(path), clock, actor, redactor, history)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def record(
        self,
        kind: Kind | str,
        /,
        *,
        system: str | None = None,
        host: str | None = None,
        step: str | None = None,
        **data,
    ) -> Event:
        """Append one event (fsync'd if it is an action), fold it, then notify."""
        event = Event(
            seq=self.state.last_seq + 1,
            ts=self.clock.now(),
            mono=round(self.clock.monotonic(), 6),
            who=self.actor,
            kind=str(kind),
            where=Where(system=system, host=host, step=step),
            data=self.redactor.data(data),
        )
        self.writer.append(event)
        self.events.append(event)
        self.state.apply(event)
        for listener in list(self._listeners):
            listener(event)
        return event

    def close(self) -> None:
        self.writer.close()
