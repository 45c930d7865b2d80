"""`follow --plain`: the incident's events as they are written, until it is closed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from console.guard import reader_gone
from console.headless.common import EXIT_OK
from console.journal.lock import WriterLock
from console.journal.tail import JournalTail
from console.journal.terminal_line import console_line
from console.model.events import Kind
from console.model.state import HostStatus, IncidentState
from console.model.visible import visible


async def follow_plain(path: Path, poll_seconds: float = 0.2) -> int:
    """Print the incident's events as they are written, until it is closed. If the
    writer exits holding its lock with hosts in flight, say once that they are unknown."""
    tail = JournalTail(path)
    state, lock = IncidentState(), WriterLock()
    warned = False
    while not reader_gone():  # `follow --plain | head` ends when head does
        for event in tail.poll():
            print(console_line(event), flush=True)
            state.apply(event)
            lock.feed(event)
            if event.kind == Kind.LOCK_ACQUIRED:
                warned = False  # a new writer: if it dies too, say so again
            if event.kind == Kind.INCIDENT_CLOSED:
                return EXIT_OK
        running = state.hosts_with(HostStatus.RUNNING)
        if not warned and running and lock.gone():
            warned = True
            pid, host = lock.owner
            hosts = ", ".join(sorted(f"{h} ({step})" for step, h in running))
            warning = (
                f"! the console driving this incident (pid {pid} on {host}) exited holding"
                f" its lock; outcome never recorded, so unknown: {hosts}."
                " Resume the incident to verify them."
            )
            print(visible(warning, one_line=True), flush=True)
        await asyncio.sleep(poll_seconds)
    return EXIT_OK
