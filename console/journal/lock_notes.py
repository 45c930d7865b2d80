"""What is noted beside a system's lock for an incident that is not there to read it, and
read once it takes the lock again: another incident took its stale lock over (`.taken`),
or held the system after it let go of it with the incident still open (`.left`: its
console quit, or its terminal closed). Either way its hosts may have been changed since,
which it journals as `lock.lost`. Best effort, under the lock directory's mutex: the lock
is taken or released whatever happens to a note."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from console.journal.files import read_shared

log = logging.getLogger(__name__)

Note = dict[str, object]
Publish = Callable[[Path, bytes], None]
SINCE = 20  # the holders kept for one incident left open: its journal may be gone for good


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _read(path: Path) -> list[Note]:
    try:
        notes = json.loads(read_shared(path))
    except (OSError, ValueError):
        return []
    return [n for n in notes if isinstance(n, dict)] if isinstance(notes, list) else []


def _write(path: Path, notes: list[Note], publish: Publish) -> None:
    try:
        if notes:
            publish(path, json.dumps(notes).encode())
        else:
            path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("%s: not rewritten: %s", path, exc)


def note_taken(path: Path, incident: str, by: Note, reason: str, publish: Publish) -> None:
    """`by` took `incident`'s stale lock over, with `reason`."""
    _write(
        path,
        [*_read(path), {"incident": incident, "by": by, "at": _now(), "reason": reason}],
        publish,
    )


def taken_from(path: Path, incident: str, publish: Publish) -> list[Note]:
    """The notes that other incidents took `incident`'s lock over, oldest first; removed
    once read (the caller journals them)."""
    notes = _read(path)
    mine = [n for n in notes if n.get("incident") == incident]
    if mine:
        _write(path, [n for n in notes if n.get("incident") != incident], publish)
    return mine


def note_left(path: Path, incident: str, publish: Publish) -> None:
    """`incident` let go of the lock while still open: who holds it next is noted for it."""
    rest = [n for n in _read(path) if n.get("incident") != incident]
    _write(path, [*rest, {"incident": incident, "at": _now(), "since": []}], publish)


def note_holder(path: Path, by: Note, publish: Publish) -> None:
    """`by` holds the lock now: noted for every other incident that let go of it open."""
    notes = _read(path)
    incident = by.get("incident")
    others = [n for n in notes if n.get("incident") != incident]
    for note in others:
        since = [s for s in _list(note.get("since")) if isinstance(s, dict)]
        if not any(_list_incident(s.get("by")) == incident for s in since):
            note["since"] = [*since, {"by": by, "at": _now()}][-SINCE:]
    if others:
        _write(path, notes, publish)


def left_since(path: Path, incident: str, publish: Publish) -> list[Note]:
    """The incidents that held the lock since `incident` let go of it open, each as
    `note_taken` notes it (`released`: when it let go); its entry removed once read."""
    notes = _read(path)
    mine = [n for n in notes if n.get("incident") == incident]
    if not mine:
        return []
    _write(path, [n for n in notes if n.get("incident") != incident], publish)
    return [
        {
            "incident": incident,
            "by": s.get("by"),
            "at": s.get("at"),
            "reason": "",
            "released": n.get("at"),
        }
        for n in mine
        for s in _list(n.get("since"))
        if isinstance(s, dict)
    ]


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _list_incident(holder: object) -> object:
    return holder.get("incident") if isinstance(holder, dict) else None
