"""The configuration an incident opened with, against the files now. Its opening records
each file's sha256 with its secrets masked (`incident.opened`'s `config`), from the bytes
the load read already (the validated-configuration cache's read: no file is read again)
and the secrets the record masks: a plain sha256 let anyone with the document test a
guess of a secret (console.toml's redact values, a channel's URL or routing key) against
a file otherwise known. A resume, an undo or a verify runs the files as they are now, as
its commands show them: where one changed since the incident opened, it says so in one
line and notes which, with both sha256s, and what in each (config_kept.py). An opening
before MASKED_CONFIG recorded plain sha256s: compared as then, its note names the files
alone (a plain sha256 of the files now would be the guess-test again). An older journal's
opening has none: nothing is said."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from console.journal.worded import plain_config
from console.model.ansible.load import hosts_kept
from console.model.events import Event, Kind
from console.model.files import FILES
from console.model.loading import ABSENT
from console.model.settings import Settings

if TYPE_CHECKING:
    from console.model.ansible.load import Seen

Mask = Callable[[str], str]  # a text with the record's secrets masked (Redactor.text)
# A TOML (or JSON) string as written, or a comment: read left to right, so that a quote in
# one is not taken for the start of another.
STRING = re.compile(
    r'#[^\n]*|"""(?:\\[\s\S]|[^\\])*?"""|'
    + r"'''[\s\S]*?'''|"
    + r'"(?:\\.|[^"\\\n])*"|'
    + r"'[^'\n]*'"
)


def parsed_toml(data: bytes | str) -> dict[str, Any] | None:
    """A file's TOML (an absent one: empty), or None where it is not TOML or not read."""
    if isinstance(data, str):
        return {} if data == ABSENT else None
    try:
        return tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def masked_text(text: str, mask: Mask) -> str:
    """`text` with each secret `mask` knows masked, where TOML escapes write it too
    (`"Pw-\\u0034f9c"`, `"a\\"b"`): a string whose value holds one is written again, its
    value masked (seen: such a secret's bytes hashed as they were, and kept)."""

    def string(found: re.Match[str]) -> str:
        token = found.group()
        if token[0] != '"' or "\\" not in token:  # its value is its text: masked already
            return token
        try:
            value = tomllib.loads(f"v = {token}")["v"]
        except tomllib.TOMLDecodeError:
            return token
        masked = mask(value)
        return token if masked == value else json.dumps(masked, ensure_ascii=False)

    masked = mask(text)
    return STRING.sub(string, masked) if "\\" in masked else masked  # no escape: as it is


def masked_digest(data: bytes | str, mask: Mask) -> str:
    """The sha256 of a file's bytes with each secret `mask` knows masked (`masked_text`;
    "" for none: absent, unreadable): what a record may hold of a configuration file."""
    if not isinstance(data, bytes):
        return ""
    text = masked_text(data.decode("utf-8", "surrogateescape"), mask)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def hosts_digest(seen: Sequence[Seen], mask: Mask) -> str:
    """The sha256 of the hosts an Ansible inventory gave its systems (what runs, not the
    vars beside them, which may hold a password; not where its files lie: a checkout
    moved reads the same), their secrets masked."""
    hosts = {s.system: hosts_kept(s) for s in seen}  # wherever the inventory lies
    return masked_digest(json.dumps(hosts, sort_keys=True, default=str).encode(), mask)


def digests(settings: Settings, mask: Mask) -> dict[str, str]:
    """Each file the settings were read from, by name, its `masked_digest` ("": absent,
    unread), and each Ansible inventory's `hosts_digest` (as inventory.toml names it);
    {}: not read from files."""
    files = settings.files_read
    if files is None:
        return {}
    found = {FILES[part]: masked_digest(data, mask) for part, data in files.items()}
    inventories = dict.fromkeys(seen.inventory for seen in settings.ansible_read)
    for name in inventories:
        read = [seen for seen in settings.ansible_read if seen.inventory == name]
        found[name] = hosts_digest(read, mask)
    return found


def _plain(settings: Settings) -> dict[str, str]:
    """Each file's plain sha256, as an opening before MASKED_CONFIG recorded them."""
    files = settings.files_read or {}
    found = {
        FILES[part]: hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""
        for part, data in files.items()
    }
    return found | {seen.inventory: seen.digest for seen in settings.ansible_read}


def opened_event(events: Sequence[Event]) -> Event | None:
    """The incident's `incident.opened`, if on record."""
    return next((e for e in events if e.kind == Kind.INCIDENT_OPENED), None)


def changed_since_opened(
    events: Sequence[Event], settings: Settings
) -> tuple[list[tuple[str, str, str]], bool]:
    """The files whose sha256 is not the one the incident opened with: (name, then, now),
    in the opening's order ([] for an opening that recorded none: an older journal), and
    whether those are plain sha256s (an opening before MASKED_CONFIG)."""
    opened = opened_event(events)
    then: dict[str, str] | None = getattr(opened.data, "config", None) if opened else None
    if not then or opened is None or settings.files_read is None:
        return [], False
    plain = plain_config(opened)
    if plain:
        now = _plain(settings)
    else:
        from console.journal.redact import settings_redactor

        now = digests(settings, settings_redactor(settings).text)
    names = dict.fromkeys([*then, *now])
    changed = [
        (n, then.get(n, ""), now.get(n, "")) for n in names if then.get(n, "") != now.get(n, "")
    ]
    return changed, plain
