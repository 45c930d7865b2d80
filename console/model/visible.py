"""Text from hosts, made safe to put on a terminal: every control character shown, none
obeyed. The journal keeps the bytes as data; this is only for what is displayed."""

from __future__ import annotations

import re
from collections.abc import Mapping

# C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: a terminal may read
# U+009B as CSI), the Unicode controls that reorder or break lines on screen; characters
# that show nothing (a soft hyphen, zero-width space and joiner, word joiner, invisible
# operators, BOM, tags): two lines that differ by one read alike; and what terminals and
# the console count in cells differently, so that a line from a host shifted the rest of
# the screen's row: a variation selector (`⚠️`, U+26A0 U+FE0F: 2 cells for the console,
# 1 for tmux; dropped, as it only asks for a glyph's style) and an emoji's skin-tone
# modifier (`👍🏽`: 2 cells for the console, 4 for tmux).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b\u200d-\u200f\u2028\u2029"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufe0e\ufe0f\ufeff\U0001f3fb-\U0001f3ff"
    "\U000e0000-\U000e007f]"
)
UNSAFE = _UNSAFE  # for what must keep one character for one (a text field's cursor)
_DROPPED = frozenset("\ufe0e\ufe0f")  # variation selectors: a glyph's style, no character
_FLAT = str.maketrans({"\t": " ", "\n": " ⏎ "})


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _DROPPED:
        return ""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(value: object, *, one_line: bool = False) -> str:
    """`value` as text with every control character as a visible escape: ESC is `\\x1b`,
    BEL `\\x07`, CSI (C1) `\\x9b`, a bidi override `\\u202e`. Tab and newline stay (with
    `one_line`, a tab becomes a space and a newline ` ⏎ `); a CR that ends a line (CRLF
    output) is dropped. Anything not a string (a journal may hold any JSON) is shown
    as str() shows it. Rich markup is not this function's business: give widgets
    `Text`, never a markup string."""
    text = value if isinstance(value, str) else str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").removesuffix("\r")
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(_escape, text)
    if one_line and ("\n" in text or "\t" in text):
        return text.translate(_FLAT)
    return text


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, its last one `…` when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def assignments(params: Mapping[str, object]) -> str:
    """`flags=new_checkout, restart=(empty)`: parameters as screens and records say them,
    in the order given (the strategy's own, as its form and docs list them), each value
    inert, an empty one named rather than left blank."""
    return ", ".join(
        f"{k}={visible(v, one_line=True) if v != '' else '(empty)'}" for k, v in params.items()
    )


def given_first(params: Mapping[str, object], defaults: Mapping[str, object]) -> str:
    """`recovery_target_time=2025-05-16T10:29:30Z; defaults: archive=..., ...`: the
    parameters given for this run (another value than the configured default, or none
    there) before the defaults, so that what was typed is never lost among a preset's
    dozen; `assignments` when all or none of them were given. A default left empty
    (`content`, `running`: nothing set, nothing checked) is not said: `content=(empty)` in
    every confirmation was clutter; one given empty is said."""
    given = {k: v for k, v in params.items() if k not in defaults or defaults[k] != v}
    rest = {k: v for k, v in params.items() if k not in given and v != ""}
    if not given or not rest:
        return assignments(given or rest)
    return f"{assignments(given)}; defaults: {assignments(rest)}"


def said_params(params: Mapping[str, object], defaults: Mapping[str, object]) -> int:
    """How many parameters `given_first` says."""
    return sum(1 for k, v in params.items() if v != "" or defaults.get(k, "") != "")


def with_empty_last(params: Mapping[str, object]) -> str:
    """`target=previous, restart=true; empty: content, running`: the record's line, every
    parameter, those empty named together at the end, not `content=(empty)` each."""
    empty = [k for k, v in params.items() if v == ""]
    said = assignments({k: v for k, v in params.items() if v != ""})
    return "; ".join(part for part in (said, f"empty: {', '.join(empty)}" if empty else "") if part)


def json_visible(document: str) -> str:
    """A JSON document with the same characters escaped as `\\uXXXX`: it still parses to
    the very same data, and shows nothing a terminal would obey (json escapes C0 itself)."""
    return _UNSAFE.sub(_json_escape, document)


def _json_escape(match: re.Match[str]) -> str:
    """A character as JSON escapes it: past U+FFFF, as its UTF-16 surrogate pair."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
