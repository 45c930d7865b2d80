"""Messages the console posts between its parts, as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from console.model.events import Event


@dataclass
class JournalChanged(Message):
    """A coalesced batch of new journal events (at most one per frame)."""

    events: list[Event] = field(default_factory=list)


@dataclass
class StepRunFinished(Message):
    """A step run by a worker ended; `ok` is False when any host failed."""

    step_id: str
    ok: bool


@dataclass
class WatchChanged(Message):
    """Probe readings, firings or the countdown changed (coalesced, at most one per frame)."""

    whats: set[str] = field(default_factory=set)
