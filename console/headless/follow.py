"""`follow --plain`: the incident's events as they are written, until it is closed and
its writer has nothing more to say."""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
from pathlib import Path

from console.guard import reader_gone
from console.headless.common import EXIT_OK
from console.journal.left_open import LastDriver
from console.journal.lock import process_alive
from console.journal.tail import JournalTail
from console.journal.terminal_line import PlaceColumn
from console.model.events import Kind
from console.model.invocation import again
from console.model.state import HostStatus, IncidentState
from console.model.visible import visible


async def follow_plain(path: Path, poll_seconds: float = 0.2) -> int:
    """Print the incident's events as they are written, until it is closed and the
    notifications its writer sent have their answers (PagerDuty's on the close), or that
    writer has exited. Said once each: that nothing is recorded yet (it waits for the
    first event), and, once caught up with an open incident nobody drives, how its
    writer ended, when its last event was, and the hosts it left unknown."""
    from console.journal.files import journal_path

    tail = JournalTail(path)
    state, driver = IncidentState(), LastDriver(journal_path(path).parent)
    warned = waiting = False
    writer = (0, "")  # the last console that drove it: it may still send after the close
    places = PlaceColumn()  # as wide as the incident's longest place
    while not reader_gone():  # `follow --plain | head` ends when head does
        new = tail.poll()
        for event in new:
            print(places.line(event), flush=True)
            state.apply(event)
            driver.feed(event)
            if event.kind == Kind.LOCK_ACQUIRED:
                warned = False  # a new writer: if it dies too, say so again
                writer = driver.lock.owner
        if state.closed_at is not None and not _still_sending(state, writer):
            return EXIT_OK
        if driver.last is None and not waiting:
            waiting = True
            said = f"! nothing is recorded in {journal_path(path)} yet: waiting for its first event"
            print(visible(said, one_line=True), flush=True)
        caught_up = not new and state.closed_at is None
        if caught_up and not warned and (ended := driver.ended(quit_too=True)) is not None:
            warned = True
            held = driver.lock.held is not None
            said = _left_open(state, ended, held, journal_path(path).parent)
            print(visible(said, one_line=True), flush=True)
        await asyncio.sleep(poll_seconds)
    return EXIT_OK


def _left_open(state: IncidentState, ended: str, held: bool, directory: Path) -> str:
    """The line for an open incident nobody drives: its writer's end; the hosts whose
    outcome it never recorded, if it went holding its lock (killed); how to go on."""
    running = state.hosts_with(HostStatus.RUNNING)
    # A teammate's incident is carried on by taking command of it (a plain resume there is
    # refused: not this account's to write).
    take = "" if _mine(directory) else " --take-command REASON"
    resume = again(f"resume {shlex.quote(str(directory))}{take}")
    if not (running and held):
        return f"! nobody drives this incident now: {ended}. To carry it on: {resume}"
    hosts = ", ".join(sorted(f"{h} ({step})" for step, h in running))
    return (
        f"! the console driving this incident exited holding its lock: {ended}; outcome"
        f" never recorded, so unknown: {hosts}. Resume the incident to verify them: {resume}"
    )


def _mine(directory: Path) -> bool:
    """The incident's directory is this account's (else a teammate's)."""
    try:
        return directory.stat().st_uid == os.geteuid()
    except OSError:
        return True


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
