"""The configuration an incident opened with, kept beside its journal (`config-opened.json`,
0600, its secrets masked as the record masks them), so that what changed since is said key
by key after any restart of the console or by a later command into the incident (a step's
command, a host's address, a strategy's parameter), not a file's name alone: the opening's
sha256s (config_opened.py) say whether a file changed; this says what in it, through the
same comparison as a file changed while the console runs (config_drift.differences). A
change that shows in no key (a comment, spacing, a masked secret) is not said. An incident
kept no copy (an older one; another account's, whose file is not trusted): each file
changed is named alone, as before."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.engine.config_drift import Changed, Chosen, differences, kept_by_incident
from console.engine.config_opened import (
    changed_since_opened,
    masked_text,
    opened_event,
    parsed_toml,
)
from console.engine.config_secrets import (
    incident_dir,
    incident_key,
    secrets_changed,
    written_secrets,
)
from console.journal.files import incident_modes
from console.journal.redact import Redactor, settings_redactor
from console.model.ansible.load import hosts_kept
from console.model.events import Event
from console.model.files import FILES
from console.model.kept_file import read_kept, write_kept
from console.model.loading import ABSENT
from console.model.settings import Settings

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

KEPT_NAME = "config-opened.json"  # beside journal.jsonl
DRILLS_ONLY = ("schedule", "default")  # drills.toml's keys that decide no incident's run


def kept(settings: Settings, also: Redactor | None = None) -> dict[str, Any]:
    """What the settings were read from, masked: each file's text by name (None: absent or
    unread) and each Ansible inventory's hosts by system ({}: not read from files); `also`
    masks what they no longer name a secret (secrets_unnamed.py)."""
    files = settings.files_read
    if files is None:
        return {}
    started, written, more = settings_redactor(settings), written_secrets(files), also

    def mask(text: str) -> str:
        text = written.text(started.text(text))
        return more.text(text) if more else text

    texts = {
        FILES[part]: masked_text(data.decode("utf-8", "replace"), mask)
        if isinstance(data, bytes)
        else None
        for part, data in files.items()
    }
    ansible: dict[str, dict[str, Any]] = {}
    for seen in settings.ansible_read:
        hosts = written.data(started.data(hosts_kept(seen)))
        hosts = more.data(hosts) if more else hosts
        ansible.setdefault(seen.inventory, {})[seen.system] = hosts
    return {"files": texts, "ansible": ansible}


def keep(settings: Settings, journal: Path, also: Redactor | None = None) -> None:
    """Keep beside `journal` the configuration its incident opens with (`kept`; `also`:
    its records' redactor), readable as the journal is (by the team that may take the
    incident over, in a team's journal_dir: its secrets are masked), and where it was
    read from (`directory`: what its relative journal_dir, lock_dir and Ansible
    inventories are read from again, kept_config.py)."""
    if found := kept(settings, also):
        if settings.directory is not None:
            found["directory"] = str(settings.directory.absolute())
        write_kept(kept_path(journal), found, incident_modes(incident_dir(journal))[1])


def kept_path(journal: Path) -> Path:
    """Where the incident of `journal` (its journal.jsonl or its directory) keeps it."""
    return incident_dir(journal) / KEPT_NAME


def since_opening(
    events: Sequence[Event], settings: Settings, journal: Path, chosen: Chosen = (None, {})
) -> list[Changed]:
    """The files whose sha256 is not the one the incident opened with, each with what
    changed in it, key by key, where the incident kept its configuration, and those whose
    secret changed (config_secrets.py), in the opening's order; a file changed in no key
    is left out, as is what the incident does not use (`_used`); a default of the
    parameters it `chose` is said not used."""
    changed, plain = changed_since_opened(events, settings)
    opened = opened_event(events)
    secret, _ = secrets_changed(opened, settings.files_read or {}, journal)
    config = getattr(opened.data, "config", None) or {} if opened else {}
    changed += [(n, config[n], config[n]) for n in secret if n not in {c[0] for c in changed}]
    if not changed:
        return []
    then = read_kept(kept_path(journal)) or {}
    now = kept(settings, Redactor(_unnamed(opened, then, settings, journal)))
    found = []
    order = list(config)
    drill = bool(getattr(opened.data, "drill", False)) if opened else False
    for name, before, after in sorted(changed, key=lambda c: _place(order, c[0])):
        if name == FILES["drills"] and not drill:
            continue  # nothing of drills.toml runs in an incident that is not a drill
        changes = _used(name, _changes(then, now, name))
        changes = kept_by_incident(changes, chosen) if changes else changes
        said = [s for s in secret.get(name, []) if not _named(changes, s.split(":")[0])]
        if changes is None or changes or said:  # plain sha256s: not given (config_opened.py)
            digests = ("", "") if plain else (before[:12], after[:12])
            found.append(Changed(name, (changes or []) + said, *digests))
    return found


def secrets_opened_with(events: Sequence[Event], settings: Settings, journal: Path) -> set[str]:
    """The values that were secrets when the incident of `journal` opened, and that the
    files now no longer name as secrets but still write (secrets_unnamed.py): its records
    mask them as its opening did."""
    opened = opened_event(events)
    return _unnamed(opened, read_kept(kept_path(journal)) or {}, settings, journal)


def incident_redactor(events: Sequence[Event], settings: Settings, journal: Path) -> Redactor:
    """What masks the records of the incident of `journal` reopened: the settings' secrets
    and those it opened with that the files no longer name (`secrets_opened_with`). Only
    its records: each host is sent its command as the files write it."""
    return settings_redactor(settings, also=secrets_opened_with(events, settings, journal))


def _unnamed(
    opened: Event | None, then: dict[str, Any], settings: Settings, journal: Path
) -> set[str]:
    """`secrets_opened_with`, the opening's kept configuration `then` read already."""
    recorded = getattr(opened.data, "config_secrets", None) if opened else None
    if not then and not recorded:  # an older incident: nothing to find them by
        return set()
    from console.engine.secrets_unnamed import unnamed_secrets  # not on a command's way

    key = incident_key(journal) if recorded else None
    return unnamed_secrets(then, kept(settings), recorded, key if isinstance(key, bytes) else None)


def _used(name: str, changes: list[str] | None) -> list[str] | None:
    """`changes` but drills.toml's `schedule` and `default`: when a drill falls due, which
    one runs unnamed; never what an incident, a drill's either, runs."""
    if changes is None or name != FILES["drills"]:
        return changes
    return [c for c in changes if re.split(r"[.: ]", c, maxsplit=1)[0] not in DRILLS_ONLY]


def _place(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def _named(changes: list[str] | None, where: str) -> bool:
    """Whether `changes` say what changed at `where` (or in it) already."""
    return any(
        c == where or c.startswith((f"{where}:", f"{where}.", f"{where} ")) for c in changes or []
    )


def secrets_unread(events: Sequence[Event], journal: Path) -> str:
    """Why the secrets the incident opened with cannot be compared here ("": they can, or
    it recorded none), as a sentence."""
    _, why = secrets_changed(opened_event(events), {}, journal)
    return f"{why[0].upper()}{why[1:]}; a secret changed since is not said." if why else ""


def _changes(then: dict[str, Any], now: dict[str, Any], name: str) -> list[str] | None:
    """What changed in `name` from `then` to `now` (`kept`'s), key by key; None where
    `then` did not keep it, or where either is not TOML."""
    ansible, files = then.get("ansible"), then.get("files")
    if isinstance(ansible, dict) and name in ansible:
        return differences(ansible[name], now.get("ansible", {}).get(name, {}))
    if not isinstance(files, dict) or name not in files:
        return None
    old, new = _toml(files[name]), _toml(now.get("files", {}).get(name))
    return None if old is None or new is None else differences(old, new)


def _toml(text: object) -> dict[str, Any] | None:
    """A kept file's TOML (absent: empty), or None where it is not TOML."""
    return parsed_toml(text.encode() if isinstance(text, str) else ABSENT)


def versions(changed: list[Changed]) -> str:
    """`inventory.toml sha256 X… at the opening, Y… now (what changed)`, for the record;
    an opening's plain sha256s (neither given) not said."""
    said = []
    for c in changed:
        what = "; ".join(c.changes) or "which keys: not kept"
        if not c.started and not c.now:
            what = f"the opening's sha256s are of the files unmasked: not said; {what}"
            said.append(f"{c.name} ({what})")
        else:
            said.append(
                f"{c.name} sha256 {_short(c.started)} at the opening, {_short(c.now)} now ({what})"
            )
    return "; ".join(said)


def _short(digest: str) -> str:
    return f"{digest}…" if digest else "absent"


def said_since_opening(
    events: Sequence[Event],
    settings: Settings,
    journal: Path,
    does: str,
    conductor: Conductor | None = None,
    opening: str = "the opening",
    chosen: Chosen | None = None,
) -> str:
    """One line naming the files changed since the incident of `journal` opened, what in
    each, and that the command `does` what (`undoes with what is shown`), "" when none did;
    with `conductor`, noted in its incident with both sha256s of each (`opening`: whose,
    where that is another's). Where its secrets cannot be compared here, it says so too.
    `chosen`: the strategy the incident chose and its values (default: `conductor`'s)."""
    if chosen is None and conductor is not None:
        chosen = (conductor.state.strategy, conductor.state.params)
    changed = since_opening(events, settings, journal, chosen or (None, {}))
    unread = secrets_unread(events, journal)
    said = []
    if changed:
        names = "; ".join(c.said() for c in changed)
        said.append(
            f"{names} changed since the incident opened: this {does}, the files as they are now."
        )
        if conductor is not None:
            conductor.note(
                f"{does}, the files as they are now: changed since {opening}: {versions(changed)}"
            )
    if unread:
        said.append(unread)
        if conductor is not None:
            conductor.note(unread)
    return " ".join(said)
