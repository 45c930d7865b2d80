"""The engine as the UI and the CLI see it: incidents to open, resume and list."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from console.engine.conductor import Conductor, new_incident_id
from console.engine.ssh import SshPool
from console.journal.lock import SystemLocks
from console.journal.recorder import Recorder, current_actor
from console.journal.redact import settings_redactor
from console.journal.store import JOURNAL_NAME, JournalError, parse_line
from console.model.clock import Clock, SystemClock
from console.model.events import Actor, Event
from console.model.settings import Settings
from console.model.state import fold
from console.model.watch import Recovery


@dataclass(frozen=True)
class IncidentSummary:
    """One journal on disk, folded: enough for a list of incidents."""

    path: Path
    incident_id: str
    title: str
    opened_at: datetime | None
    outcome: str | None
    drill: bool
    recovery: dict[str, Recovery]  # system → time to verified stable, against its RTO


TITLE_WIDTH = 80


def _incident_events(path: Path) -> list[Event]:
    """The `incident.*` and `recovery.measured` events of a journal, all a summary
    needs, without parsing the rest: listing incidents must stay cheap however long
    one of them is."""
    lines = path.read_bytes().split(b"\n")
    return [
        parse_line(raw, path, number)
        for number, raw in enumerate(lines[:-1], start=1)  # the last is empty, or torn
        if b'"incident.' in raw or b'"recovery.measured"' in raw
    ]


class Engine:
    """Owns the SSH pool for the console's lifetime and makes conductors.

    `threaded_io` runs the pool's SSH I/O on a loop of its own (the TUI wants its loop
    free to draw); headless commands keep it on theirs.
    """

    def __init__(
        self,
        settings: Settings,
        journal_root: Path,
        clock: Clock | None = None,
        actor: Actor | None = None,
        lock_dir: Path | None = None,
        threaded_io: bool = False,
    ):
        self.settings = settings
        self.journal_root = journal_root
        self.clock = clock or SystemClock()
        self.actor = actor or current_actor()
        self.redactor = settings_redactor(settings)
        self.pool = SshPool(settings.inventory.ssh, threaded=threaded_io)
        self.locks = SystemLocks(lock_dir or journal_root.parent / "locks")

    def _conductor(self, directory: Path) -> Conductor:
        recorder = Recorder.open(directory, self.clock, self.actor, self.redactor)
        conductor = Conductor(self.settings, recorder, self.pool)
        conductor.locks = self.locks
        return conductor

    def new_incident(
        self, title: str, drill: bool = False, incident_id: str | None = None
    ) -> Conductor:
        """Create the incident's journal directory and record that it opened; a long
        title is cut at a word, with an ellipsis."""
        title = textwrap.shorten(title, TITLE_WIDTH, placeholder=" …")
        incident_id = incident_id or new_incident_id(self.clock.now())
        conductor = self._conductor(self.journal_root / incident_id)
        conductor.open_incident(title, incident_id, drill=drill)
        return conductor

    def open_existing(self, journal: Path) -> Conductor:
        """A conductor that appends to an existing incident's journal."""
        directory = journal.parent if journal.name == JOURNAL_NAME else journal
        if not (directory / JOURNAL_NAME).is_file():
            raise JournalError(f"{directory / JOURNAL_NAME}: no such journal")
        return self._conductor(directory)

    def resume(self, journal: Path) -> Conductor:
        """Reopen an incident from its journal; in-flight hosts become unknown."""
        conductor = self.open_existing(journal)
        conductor.resume()
        return conductor

    def incidents(self) -> list[IncidentSummary]:
        """Journals under the root, newest first; unreadable ones are left out."""
        found = []
        if not self.journal_root.is_dir():
            return found
        for path in sorted(self.journal_root.glob(f"*/{JOURNAL_NAME}")):
            try:
                state = fold(_incident_events(path))
            except (JournalError, OSError):
                continue
            found.append(
                IncidentSummary(
                    path=path,
                    incident_id=state.incident_id or path.parent.name,
                    title=state.title,
                    opened_at=state.opened_at,
                    outcome=state.outcome,
                    drill=state.drill,
                    recovery=state.recovery,
                )
            )
        return sorted(found, key=lambda i: i.path.parent.name, reverse=True)

    async def close(self) -> None:
        await self.pool.close()
