"""The secrets an incident opened with that the files no longer name as secrets: a value
taken out of console.toml's `[redact] values` (or a channel's URL changed) but still
written elsewhere in the configuration. The opening's kept files have it masked; the files
now, masked only by what they name, showed it whole in the comparison ("# «redacted»" →
"# Pw-4f9c2e77"), and in the note that records it. Found two ways, then masked in the files
now as the opening masked it: where a value the opening kept masked still reads the same
around its masks, what stands in their place; and, with the incident's key, any value or
word of one whose HMAC the opening recorded (`config_secrets`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from typing import Any

from console.engine.config_drift import named_tables
from console.engine.config_opened import parsed_toml
from console.engine.config_secrets import Places, hmac_of
from console.journal.redact import MASK, masked_at

# Where a secret ends inside a longer value: a URL's, a command's, a header's delimiters.
WORDS = re.compile(r"[\s\"'=:/?&@,;]+")


def unnamed_secrets(
    then: dict[str, Any], now: dict[str, Any], recorded: Places | None, key: bytes | None
) -> set[str]:
    """The values of `now`'s files (config_kept.kept's, masked by what they name) that stand
    where `then`'s (the opening's, kept) had a secret masked, or whose HMAC under `key` the
    opening `recorded`. What stands where a mask was is a guess: none the opening's copy
    shows unmasked (`_shown`), and none of one character but by its HMAC (what stood in a
    secret's place, `1`, masked every `wave 1 of 1` of the records after it)."""
    old_files, new_files = then.get("files") or {}, now.get("files") or {}
    guessed: set[str] = set()
    for name, old_text in old_files.items():
        new = _toml(new_files.get(name))
        if not isinstance(old_text, str) or MASK not in old_text or new is None:
            continue
        for old_value, new_value in _pairs(_toml(old_text), new):
            guessed |= _in_place_of_masks(old_value, new_value)
    kept = [text for text in old_files.values() if isinstance(text, str)]
    found = {g for g in guessed if len(g) > 1 and not _shown(g, kept)}
    sealed = {h for keys in (recorded or {}).values() for hs in keys.values() for h in hs}
    if key is not None and sealed:
        for text in new_files.values():
            for value in _strings(_toml(text)):
                words = {value, *WORDS.split(value)} - {""}
                found |= {w for w in words if hmac_of(key, w) in sealed}
    return {f for f in found if f.strip() and MASK not in f}  # never blank: it would mask spaces


def _shown(guess: str, kept: list[str]) -> bool:
    """Whether the opening's copy shows `guess` where its masks would have hidden it: then
    it was no secret (the opening masked each wherever it stood): a `-` standing where a
    secret was, taken for one, masked every option of every command compared."""
    pattern = re.compile(masked_at(guess))
    return any(pattern.search(text) for text in kept)


def _toml(text: object) -> Any:
    return parsed_toml(text.encode()) if isinstance(text, str) else None


def _in_place_of_masks(old: str, new: str) -> set[str]:
    """What `new` has where `old` has its masks: exactly, where it reads the same around
    them; else each part of `new` that replaced a part of `old` holding a mask (what
    changed beside a secret cannot be told from it: masked with it)."""
    if MASK not in old or old == new:
        return set()
    pattern = "(.+?)".join(re.escape(part) for part in old.split(MASK))
    if matched := re.fullmatch(pattern, new, re.DOTALL):
        return set(matched.groups())
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    spans = (m.span() for m in re.finditer(re.escape(MASK), old))
    return {new[_in_new(blocks, start, True) : _in_new(blocks, end, False)] for start, end in spans}


def _in_new(blocks: Sequence[tuple[str, int, int, int, int]], at: int, start: bool) -> int:
    """Where `old`'s position `at` is in `new`, widest: a span's `start` before whatever
    replaced or was put before it, its end after (a character of the mask matched inside
    the secret leaves none of it out)."""
    for tag, i1, i2, j1, j2 in blocks if start else reversed(blocks):
        if (i1 <= at < i2 or i1 == i2 == at) if start else (i1 < at <= i2 or i1 == i2 == at):
            if tag == "equal":
                return j1 + (at - i1)
            return j1 if start else j2
    return 0 if start else (blocks[-1][4] if blocks else 0)


def _pairs(old: Any, new: Any) -> Iterator[tuple[str, str]]:
    """The strings at the same place in both parsed files (named tables by their name)."""
    if isinstance(old, list) and isinstance(new, list):
        by_name = named_tables(old), named_tables(new)
        if by_name[0] is not None and by_name[1] is not None:
            old, new = by_name
        else:
            old, new = dict(enumerate(old)), dict(enumerate(new))
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old.keys() & new.keys():
            yield from _pairs(old[key], new[key])
    elif isinstance(old, str) and isinstance(new, str):
        yield old, new


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
