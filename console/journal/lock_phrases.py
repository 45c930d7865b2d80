"""How a lock's record reads: taken over (another incident's stale lock, or this
incident's own taken back), and lost to another incident (`describe`'s table)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from console.model.events import Event
from console.model.visible import visible

if TYPE_CHECKING:
    from console.model.payloads import LockLost, LockTakenOver


def _utc(moment: str) -> str:
    try:
        return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return moment


def lock_taken_over(d: LockTakenOver, e: Event) -> str:
    """`took over the stale lock of incident X: REASON` (another incident's, with the
    commander's reason); of this incident's own lock, left by its process that had ended,
    one plain sentence: `took back this incident's stale lock on web: rbalice's pid 31169 on
    jump1, which held it, had ended` (`took over ... from rbalice` at a shift change). It
    read `took over the stale lock of incident X: incident X taken back: its console (pid
    ...) had exited`, its own incident named twice and a headless run called a console: the
    reason the claim writes for its own lock (engine/locking.py) begins `incident X taken`,
    in every journal."""
    previous = d.previous
    incident = previous.get("incident")
    if not d.reason.startswith(f"incident {incident} taken "):
        return visible(
            f"took over the stale lock of incident {incident}: {d.reason}", one_line=True
        )
    user = str(previous.get("user", "?"))
    took = "took back" if d.reason.startswith(f"incident {incident} taken back") else "took over"
    held = f"{user}'s pid {previous.get('pid', '?')} on {previous.get('host', '?')}"
    return visible(
        f"{took} this incident's stale lock on {e.where.system or '?'}"
        + (f" from {user}" if took == "took over" else "")
        + f": {held}, which held it, had ended",
        one_line=True,
    )


STALE = "while this incident's lock was stale (the process holding it had ended)"


def lock_lost(d: LockLost, e: Event) -> str:
    """`lock on app taken over by incident X (rbbob on jump, pid 4242) at 2026-12-04
    14:02:11 UTC, reason “...”, while this incident's lock was stale (the process holding it
    had ended): its hosts may have been changed since; ...`: one line, said as the incident
    takes its locks again, before anything is retried or verified (a verify by hand: as it
    takes the lock the closed incident kept, `of`). Its process may have been a headless
    command: it read "while this incident's console was gone", in every journal."""
    by = d.by
    at = _utc(d.at)
    who = f"{by.get('user', '?')} on {by.get('host', '?')}, pid {by.get('pid', '?')}"
    taken = f"taken over by incident {by.get('incident', '?')} ({who}) at {at}, reason “{d.reason}”"
    if d.released:
        return visible(
            f"lock on {e.where.system or '?'} held by incident {by.get('incident', '?')} ({who})"
            f" from {at}, after this incident let go of it open at {_utc(d.released)}: its hosts"
            " may have been changed since; read that incident's record before retrying or"
            " verifying",
            one_line=True,
        )
    if d.of:
        said = (
            f"lock on {e.where.system or '?'} kept by incident {d.of} {taken}, after it"
            " closed: its hosts may have been changed since, and what this verify finds"
            " there may be that incident's doing; read its record"
        )
    else:
        said = (
            f"lock on {e.where.system or '?'} {taken}, {STALE}: its hosts may have been"
            " changed since; read that incident's record before retrying or verifying"
        )
    return visible(said, one_line=True)
