"""`follow --plain`: the incident's events as they are written, until it is closed and
its writer has nothing more to say."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from console.guard import reader_gone
from console.headless.common import EXIT_OK
from console.journal.lock import WriterLock, process_alive
from console.journal.tail import JournalTail
from console.journal.terminal_line import console_line
from console.model.events import Kind
from console.model.state import HostStatus, IncidentState
from console.model.visible import visible


async def follow_plain(path: Path, poll_seconds: float = 0.2) -> int:
    """Print the incident's events as they are written, until it is closed and the
    notifications its writer sent have their answers (PagerDuty's on the close), or that
    writer has exited. If the writer exits holding its lock with hosts in flight, say
    once that they are unknown."""
    tail = JournalTail(path)
    state, lock = IncidentState(), WriterLock()
    warned = False
    writer = (0, "")  # the last console that drove it: it may still send after the close
    while not reader_gone():  # `follow --plain | head` ends when head does
        for event in tail.poll():
            print(console_line(event), flush=True)
            state.apply(event)
            lock.feed(event)
            if event.kind == Kind.LOCK_ACQUIRED:
                warned = False  # a new writer: if it dies too, say so again
                writer = lock.owner
        if state.closed_at is not None and not _still_sending(state, writer):
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


def _still_sending(state: IncidentState, writer: tuple[int, str]) -> bool:
    """A notification has no answer yet, or a PagerDuty channel paged for the incident
    has not been sent its event on the close yet (it is sent once the events before it
    on that channel are answered: between the two, nothing waits), and the console that
    sends them still runs here (one on another machine cannot be told apart from one
    that is gone: not waited for)."""
    pid, host = writer
    paged = {n["channel"] for n in state.notifications if n.get("lifecycle")}
    closed = {n["channel"] for n in state.notifications if n.get("lifecycle") == "close"}
    waiting = bool(paged - closed) or any("result" not in n for n in state.notifications)
    return waiting and bool(pid) and host == socket.gethostname() and process_alive(pid, host)
