"""The configuration an incident opened with, against the files now. Its opening records
each file's sha256 (`incident.opened`'s `config`), from the bytes the load read already
(the validated-configuration cache's read: no file is read again). A resume, an undo or a
verify runs the files as they are now, as its commands show them: where one changed since
the incident opened, it says so in one line and notes which, with both sha256s. An older
journal's opening has none: nothing is said."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from console.model.events import Event, Kind
from console.model.files import FILES
from console.model.settings import Settings

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


def digests(settings: Settings) -> dict[str, str]:
    """Each file the settings were read from, by name, its sha256 ("": absent, unread),
    and each Ansible inventory's (as inventory.toml names it); {}: not read from files."""
    files = settings.files_read
    if files is None:
        return {}
    found = {
        FILES[part]: hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""
        for part, data in files.items()
    }
    return found | {seen.inventory: seen.digest for seen in settings.ansible_read}


def changed_since_opened(events: Sequence[Event], settings: Settings) -> list[tuple[str, str, str]]:
    """The files whose sha256 is not the one the incident opened with: (name, then, now),
    in the opening's order; [] for an opening that recorded none (an older journal)."""
    opened = next((e for e in events if e.kind == Kind.INCIDENT_OPENED), None)
    then: dict[str, str] | None = getattr(opened.data, "config", None) if opened else None
    now = digests(settings)
    if not then or not now:
        return []
    names = dict.fromkeys([*then, *now])
    return [
        (n, then.get(n, ""), now.get(n, "")) for n in names if then.get(n, "") != now.get(n, "")
    ]


def said_since_opened(
    events: Sequence[Event],
    settings: Settings,
    does: str,
    conductor: Conductor | None = None,
    opening: str = "the opening",
) -> str:
    """One line naming the files changed since the incident opened and that the command
    `does` what (`undoes with what is shown`), "" when none did; with `conductor`, noted in
    its incident with both sha256s of each (`opening`: whose, where that is another's)."""
    changed = changed_since_opened(events, settings)
    if not changed:
        return ""
    names = ", ".join(name for name, _, _ in changed)
    line = f"{names} changed since the incident opened: this {does}, the files as they are now."
    if conductor is not None:
        versions = "; ".join(
            f"{name} sha256 {_short(then)} at the opening, {_short(now)} now"
            for name, then, now in changed
        )
        conductor.note(f"{does}, the files as they are now: changed since {opening}: {versions}")
    return line


def _short(digest: str) -> str:
    return f"{digest[:12]}…" if digest else "absent"
