"""Where each key of a TOML document is written, so a problem can name its line.

`key_lines(text)` maps key paths as pydantic reports them, e.g.
('systems', 0, 'hosts', 1, 'name'), to line numbers (from 1). Arrays of tables are
counted as TOML counts them; multi-line strings and arrays are skipped over.
"""

from __future__ import annotations

import re
import tomllib

from console.model.problems import Loc

BARE = re.compile(r"[A-Za-z0-9_-]+")


def key_lines(text: str) -> dict[Loc, int]:
    lines: dict[Loc, int] = {}
    arrays: dict[Loc, int] = {}  # array-of-tables path -> entries so far
    table: Loc = ()
    scanner = _ValueScanner()
    value: Loc = ()  # the key whose value the scanner follows
    for number, line in enumerate(text.splitlines(), start=1):
        if scanner.inside:
            scanner.feed(line, number)
            _element_lines(lines, value, scanner)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            array = stripped.startswith("[[")
            keys, _ = _split_key(stripped[2 if array else 1 :])
            table = _resolve(keys, arrays, new_entry=array)
            for end in range(1, len(table) + 1):
                lines.setdefault(table[:end], number)
            continue
        keys, rest = _split_key(stripped)
        if not keys or not rest.startswith("="):
            continue
        path = table
        for key in keys:
            path = (*path, key)
            lines.setdefault(path, number)
        value = path
        scanner.feed(rest[1:], number)
        _element_lines(lines, value, scanner)
    return lines


def _element_lines(lines: dict[Loc, int], path: Loc, scanner: _ValueScanner) -> None:
    """The line where each element of an array value starts, once the array is closed."""
    if not scanner.inside:
        for index, number in enumerate(scanner.elements):
            lines.setdefault((*path, index), number)
        scanner.elements = []


def with_top_level(text: str, key: str, value: str) -> str:
    """`text` with the top-level `key` set to `value`, every other line kept as written
    (comments included): its line replaced; else one added after the commented-out
    example (`# key = ...`), after the last top-level key, or before the first table."""
    import tomli_w  # here only: every command reads key_lines, the theme's choice alone writes

    line = tomli_w.dumps({key: value})
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    scanner = _ValueScanner()
    example = re.compile(rf"#\s*{re.escape(key)}\s*=")
    at, after_example, after_key = len(lines), None, None
    for index, written in enumerate(lines):
        if scanner.inside:
            scanner.feed(written)
            after_key = index + 1 if not scanner.inside else after_key
            continue
        stripped = written.strip()
        if stripped.startswith("["):
            at = index
            break
        if example.match(stripped):
            after_example = index + 1
        keys, rest = _split_key(stripped)
        if not keys or not rest.startswith("="):
            continue
        if keys == [key]:
            lines[index] = line
            return _reads_back("".join(lines), key, value)
        scanner.feed(rest[1:])
        after_key = None if scanner.inside else index + 1
    place = after_example if after_example is not None else after_key
    if place is not None:
        lines.insert(place, line)
    else:
        while at > 0 and lines[at - 1].lstrip().startswith("#"):
            at -= 1  # the comments above the first table belong to it
        lines.insert(at, line + ("\n" if at < len(lines) else ""))
    return _reads_back("".join(lines), key, value)


def _reads_back(text: str, key: str, value: str) -> str:
    if tomllib.loads(text).get(key) != value:  # never written if it would read otherwise
        raise ValueError(f"{key} cannot be set in this file")
    return text


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of `loc`, else of the nearest enclosing key or table that is written."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _resolve(keys: list[str], arrays: dict[Loc, int], new_entry: bool) -> Loc:
    """The full path of a table header; `[[x]]` starts a new entry of array x."""
    path: Loc = ()
    for index, key in enumerate(keys):
        path = (*path, key)
        last = index == len(keys) - 1
        if last and new_entry:
            arrays[path] = arrays.get(path, 0) + 1
        if path in arrays:
            path = (*path, arrays[path] - 1)
    return path


def _split_key(text: str) -> tuple[list[str], str]:
    """A dotted key (bare, "basic" or 'literal' parts) and the text after it."""
    keys: list[str] = []
    rest = text.lstrip()
    while rest:
        if rest[0] in "\"'":
            quote = rest[0]
            end = rest.find(quote, 1)
            while quote == '"' and end > 0 and rest[end - 1] == "\\":
                end = rest.find(quote, end + 1)
            if end < 0:
                return keys, ""
            keys.append(rest[1:end])
            rest = rest[end + 1 :].lstrip()
        else:
            match = BARE.match(rest)
            if not match:
                return keys, rest
            keys.append(match.group())
            rest = rest[match.end() :].lstrip()
        if not rest.startswith("."):
            return keys, rest
        rest = rest[1:].lstrip()
    return keys, rest


class _ValueScanner:
    """Follows a value across lines: open multi-line strings, arrays and inline tables,
    and the line where each element of an outermost array starts."""

    def __init__(self) -> None:
        self.quote: str | None = None  # the delimiter of an open multi-line string
        self.depth = 0
        self.array = False  # the outermost value is an array
        self.expecting = False  # an element of the outermost array may start here
        self.elements: list[int] = []

    @property
    def inside(self) -> bool:
        return self.quote is not None or self.depth > 0

    def feed(self, text: str, number: int = 0) -> None:
        i = 0
        while i < len(text):
            if self.quote:
                end = text.find(self.quote, i)
                while end > 0 and self.quote == '"""' and text[end - 1] == "\\":
                    end = text.find(self.quote, end + 1)
                if end < 0:
                    return
                i, self.quote = end + 3, None
                continue
            char = text[i]
            if self.array and self.depth == 1:
                if char == ",":
                    self.expecting = True
                elif self.expecting and char not in " \t]#":
                    self.elements.append(number)
                    self.expecting = False
            if self.depth == 0 and char in "[{":
                self.array, self.expecting = char == "[", True
            if text.startswith(('"""', "'''"), i):
                self.quote, i = text[i : i + 3], i + 3
            elif char in "\"'":
                i = _string_end(text, i)
            elif char == "#":
                return
            elif char in "[{":
                self.depth, i = self.depth + 1, i + 1
            elif char in "]}":
                self.depth, i = max(0, self.depth - 1), i + 1
            else:
                i += 1


def _string_end(text: str, start: int) -> int:
    """The index after the one-line string that opens at `start`."""
    quote, i = text[start], start + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return i
