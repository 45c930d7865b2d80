"""The configuration's secrets (console.toml's redact values, a channel's inline URL, routing
key and header values) by where each is written, and whether one changed since the incident
opened. The record masks each before a file is hashed or kept (config_opened.py), so a
secret changed alone changes no sha256 and no key compared. The opening records instead
each secret's HMAC-SHA256 (`incident.opened`'s `config_secrets`) under a key of the
incident's own: `config-secrets.key` beside its journal, 0600, written as it opens, never in
the journal or a document (the export leaves the HMACs out too). A secret now is compared
against it, and said changed by where it is (`channels.hook.url: secret changed`), never by
what it is. Without the key (the journal read on another machine, by another account, or
taken over) nothing can be compared, and that is said, not that nothing changed."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from console.engine.config_opened import parsed_toml
from console.journal.files import JOURNAL_NAME, incident_modes
from console.journal.redact import Redactor
from console.model.events import Event
from console.model.files import FILES
from console.model.loading import ABSENT

SECRET_CHANGED = "secret changed"  # where one did: never its value
KEY_NAME = "config-secrets.key"  # beside journal.jsonl
KEY_SIZE = 64  # hex digits: 32 random bytes, kept as text (any reader of the directory reads it)
# The key as the incidents opened 13:08-13:51 UTC on 2026-12-07 wrote it (dd128f74 to
# a6bad6fa): the 32 random bytes themselves; their HMACs were made with those bytes.
BINARY_SIZE = 32
HEX = frozenset(b"0123456789abcdef")
DIGITS = 32  # of each HMAC-SHA256 recorded: 128 bits
CHANNEL_SECRETS = ("url", "routing_key")  # and each header's value
Places = dict[str, dict[str, list[str]]]  # file → where in it → its secrets (or their HMACs)


def secret_places(files: dict[str, bytes | str]) -> Places:
    """The secrets written in `files`, whether they load or not, by file and key: each
    channel's URL, routing key and header values (`channels.hook.url`), console.toml's
    redacted values (`redact.values`, all of them under one key: a list)."""
    procedure, console = (parsed_toml(files.get(p, ABSENT)) or {} for p in ("procedure", "console"))
    found: Places = {}
    channels = procedure.get("channels")
    for index, channel in enumerate(channels if isinstance(channels, list) else []):
        if not isinstance(channel, dict):
            continue
        name = channel.get("name")
        where = f"channels.{name if isinstance(name, str) else index}"
        headers = channel.get("headers")
        pairs = [(key, channel.get(key)) for key in CHANNEL_SECRETS]
        pairs += (
            [(f"headers.{h}", v) for h, v in headers.items()] if isinstance(headers, dict) else []
        )
        for key, value in pairs:
            if isinstance(value, str):
                found.setdefault(FILES["procedure"], {})[f"{where}.{key}"] = [value]
    redact = console.get("redact")
    values = redact.get("values") if isinstance(redact, dict) else None
    if isinstance(values, list) and (kept := [v for v in values if isinstance(v, str)]):
        found[FILES["console"]] = {"redact.values": kept}
    return found


def written_secrets(files: dict[str, bytes | str]) -> Redactor:
    """The secrets written in `files` (`secret_places`), to mask."""
    places = secret_places(files).values()
    return Redactor(value for keys in places for values in keys.values() for value in values)


def incident_dir(journal: Path) -> Path:
    """The directory of the incident of `journal` (its journal.jsonl or that directory)."""
    return journal.parent if journal.name == JOURNAL_NAME else journal


def sealed(files: dict[str, bytes | str], journal: Path) -> Places | None:
    """At the opening: the HMAC of each secret of `files` under a key made for the incident
    of `journal` ({} for none: no key is made; None where the key could not be written)."""
    places = secret_places(files)
    if not places:
        return {}
    key = secrets.token_hex(KEY_SIZE // 2).encode()
    directory = incident_dir(journal)
    # readable as the journal is: by the team that may take the incident over, in a team's
    # journal_dir (0640), else by this account alone (0600)
    mode = incident_modes(directory)[1]
    try:
        fd = os.open(
            directory / KEY_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode
        )
        with os.fdopen(fd, "wb") as file:
            os.fchmod(fd, mode)  # whatever the umask
            file.write(key)
    except OSError:
        return None
    return _hmacs(places, key)


def _hmacs(places: Places, key: bytes) -> Places:
    return {
        name: {
            where: sorted(hmac_of(key, value) for value in values) for where, values in keys.items()
        }
        for name, keys in places.items()
    }


def hmac_of(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:DIGITS]


def incident_key(journal: Path) -> bytes | str:
    """The incident's key, or why it cannot be read, and what to do. Trusted only as a
    regular file of this account's that nobody but its group may read (as the journal is,
    in a team's journal_dir) and nobody else may write; or, in an incident taken over
    before a take copied its key, beside the journal it was taken from (`ID~OWNER/`), as
    that owner's file."""
    from console.engine.handover import SEGMENT_MARK  # not on a command's way: issue 18

    directory = incident_dir(journal)
    found = _read_key(directory / KEY_NAME, os.getuid())
    if found is not None:
        return found if isinstance(found, bytes) else f"its key ({KEY_NAME}) {found}"
    for kept in sorted(directory.parent.glob(f"{directory.name}{SEGMENT_MARK}*")):
        path = kept / KEY_NAME
        with contextlib.suppress(OSError):
            if (there := _read_key(path, kept.stat().st_uid)) is not None:
                return there if isinstance(there, bytes) else _stayed(path, there)
    return f"its key ({KEY_NAME}) is not beside its journal here"


def _stayed(path: Path, why: str) -> str:
    """Why the key a take left beside the journal it was taken from cannot be read."""
    from console.journal.custody import account_name

    owner = account_name(path.stat().st_uid)
    return (
        f"its key stayed with the journal it was taken over from, {path}, which {why}"
        f" (taken over before a take copied it): {owner} can let the team read it as the"
        f" journal is, chmod 0640 {path}"
    )


def _read_key(path: Path, owner: int) -> bytes | str | None:
    """The key at `path`, of account `owner`; why not (`cannot be read ...`); None where
    there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read by this account ({exc.strerror})"
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        key = file.read(KEY_SIZE + 1) if stat.S_ISREG(info.st_mode) else b""
    hex_key = len(key) == KEY_SIZE and all(c in HEX for c in key)
    if info.st_uid != owner or info.st_mode & 0o037 or not (hex_key or len(key) == BINARY_SIZE):
        from console.journal.custody import account_name

        whose = "this account's" if owner == os.getuid() else f"{account_name(owner)}'s"
        return (
            f"is not {whose} own file of {KEY_SIZE} hex digits that nobody else may write,"
            " nor others read"
        )
    return key


def secrets_changed(
    opened: Event | None, files: dict[str, bytes | str], journal: Path
) -> tuple[dict[str, list[str]], str]:
    """The secrets of `files` not those the incident `opened` with, by file, one line for
    each key (`channels.hook.url: secret changed`); a secret added or removed there is
    left to the key-by-key comparison. And why they could not be compared ("": they were,
    or the opening recorded none to compare)."""
    recorded: Any = getattr(opened.data, "config_secrets", None) if opened else None
    if not recorded:
        return {}, ""
    key = incident_key(journal)
    if isinstance(key, str):
        where = "; ".join(f"{name} ({', '.join(keys)})" for name, keys in recorded.items())
        return {}, f"the secrets of {where} not compared with the opening's: {key}"
    now = _hmacs(secret_places(files), key)
    found: dict[str, list[str]] = {}
    for name, keys in recorded.items():
        for where, then in keys.items():
            if (after := now.get(name, {}).get(where)) is not None and after != sorted(then):
                found.setdefault(name, []).append(f"{where}: {SECRET_CHANGED}")
    return found, ""
