"""What to write instead, beside TOML's own words for a line it cannot read: a text value
written without quotes (`user = deploy`) read 'is not valid TOML: Invalid value (column
8)', naming neither the key nor the fix."""

from __future__ import annotations

import re

_BARE = re.compile(r"\s*([A-Za-z0-9_.\"'-]+)\s*=\s*([^\s\"'\[{#+\d=-][^#]*?)\s*(?:#.*)?")
_LITERALS = {"true", "false", "inf", "nan"}


def unquoted(text: str, line: int | None) -> str:
    """`: text needs quotes: user = "deploy"` when the line gives a key a bare word (or
    words; `: write x = true` for `True`), else ''."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    found = _BARE.fullmatch(lines[line - 1])
    if found is None or '"' in found.group(2):
        return ""
    key, value = found.groups()
    if value.lower() in _LITERALS:  # `True`: TOML's are lower case
        return f": write {key} = {value.lower()}"
    return f': text needs quotes: {key} = "{value}"'
