"""Which lines of a rendered command a value went into: where a run's confirmation finds
what this run's values make of a preset's 1,000 lines, before it shows all of them."""

from __future__ import annotations

from console.model.templates import PLACEHOLDER, WORKDIR_LINE


def filled_lines(template: str, text: str) -> list[int] | None:
    """The numbers (from 0) of the lines of `text` into which a value of `template`'s
    placeholders went, `text` being `template` rendered (as `render_command` renders it:
    quoted values, a secret masked; perhaps run in a workdir first, whose `cd` line is
    one of them). None where `text` is not made of `template`'s own text around its
    values (a redaction that masked some of the template's text): no line is marked then
    rather than a wrong one."""
    lines: set[int] = set()
    start = 0
    if workdir := WORKDIR_LINE.match(text):
        lines.add(0)
        start = workdir.end()
    # literal, name, literal, ..., literal: a value lies between two literals
    literals = PLACEHOLDER.split(template)[::2]
    if not text.startswith(literals[0], start):
        return None
    at = start + len(literals[0])
    last = literals[-1]
    end = len(text) - len(last)
    if len(literals) > 1 and (not text.endswith(last) or end < at):
        return None
    for literal in literals[1:-1]:
        if not literal:  # two placeholders side by side: one value span for both
            continue
        found = text.find(literal, at, end)
        if found < 0:
            return None
        lines.update(_lines_of(text, at, found))
        at = found + len(literal)
    if len(literals) > 1:
        lines.update(_lines_of(text, at, end))
    elif text[at:] != "":
        return None
    return sorted(lines)


def _lines_of(text: str, start: int, end: int) -> range:
    """The numbers of the lines that characters `start` to `end` of `text` are on (the
    line of `start` for an empty span)."""
    first = text.count("\n", 0, start)
    return range(first, first + text.count("\n", start, end) + 1)
