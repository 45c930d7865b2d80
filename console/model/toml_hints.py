"""What to write instead, beside TOML's own words for a line it cannot read: a text value
written without quotes (`user = deploy`) read 'is not valid TOML: Invalid value (column
8)', naming neither the key nor the fix; an address or a duration so written
(`address = 127.0.0.1`, `interval = 2s`) read 'Expected newline or end of document after a
statement (column 16)'."""

from __future__ import annotations

import re
import tomllib

_BARE = re.compile(r"\s*([A-Za-z0-9_.\"'-]+)\s*=\s*([^\s\"'\[{#=][^#]*?)\s*(?:#.*)?")
_LITERALS = {"true", "false", "inf", "nan"}


def unquoted(text: str, line: int | None) -> str:
    """`: text needs quotes: user = "deploy"` when the line gives a key a bare word (or
    words; `: write x = true` for `True`; `127.0.0.1` or `2s`, begun as a number, says it is
    not one), else '': a value TOML reads (`port = 2204` given twice) is not what is wrong."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    found = _BARE.fullmatch(lines[line - 1])
    if found is None or '"' in found.group(2):
        return ""
    key, value = found.groups()
    try:
        tomllib.loads(f"v = {value}")
        return ""
    except tomllib.TOMLDecodeError:
        pass
    if value.lower() in _LITERALS:  # `True`: TOML's are lower case
        return f": write {key} = {value.lower()}"
    if value[0].isdigit():
        return f': {value} is not a number; text needs quotes: {key} = "{value}"'
    return f': text needs quotes: {key} = "{value}"'
