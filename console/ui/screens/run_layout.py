"""The run confirmation's text in named parts, laid out at the dialog's width: where each
begins, so that the line under the text says what is still below (`action, verify,
Waves, Failures, Does, every line`), and a `Checked:` line too long for the first screen
cut there, whole further below."""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content

from console.ui.screens.run_said import AFTER

# The dialog's rows besides its text: borders, title and its margin, the line under the
# text, the buttons, the hint.
DIALOG_ROWS = 9
# where, what, with which values; the commands (or their summary); how it goes; every line
FIRST, SENT, THEN, FULL = "first", "sent", "then", "full"
CHECKS = ("Checked", "Resolved")  # what the hosts said a value is, as run_said labels it
# At most so many rows of it before the commands: seen at 80x24, a value checked on hosts
# that answered apart said each of them, and the commands began below the first screen.
CHECK_ROWS = 3
CUT = " … (in full further below)"


class Part(NamedTuple):
    """A part of the text: its section, its name for the line under the text, itself."""

    section: str
    name: str
    text: Text


class Mark(NamedTuple):
    """Where a part begins: its row in the text as laid out, its section, its name."""

    row: int
    section: str
    name: str


def rows(text: Text, width: int) -> int:
    """How many rows `text` takes at `width`, as the dialog's Static wraps it: a line each
    where every line fits (the commands, laid out at that width: wrapping a preset's 1,059
    lines again took 0.7 s), else as wrapped."""
    lines = text.plain.split("\n")
    if not width or all(cell_len(line) <= width and "\t" not in line for line in lines):
        return len(lines)
    return len(Content.from_rich_text(text).wrap(width))


def marked(parts: list[Part], width: int) -> tuple[Text, list[Mark], int]:
    """The parts as one text, where each begins at `width`, and how many rows it takes."""
    marks, row = [], 0
    for part in parts:
        marks.append(Mark(row, part.section, part.name))
        row += rows(part.text, width)
    return Text("\n").join(part.text for part in parts), marks, row


def named_below(marks: list[Mark], seen: float, total: int) -> list[str]:
    """What begins on the rows from `seen` on: a section's name if it is all below (`the
    commands`, `every line`), else its stages still below, or `more commands`; and the
    labels of how it goes still below."""
    named: list[str] = []
    for section in (SENT, THEN, FULL):
        ours = [m for m in marks if m.section == section]
        if not ours:
            continue
        if section == THEN:
            named += [m.name for m in ours if m.row >= seen and m.name in (*AFTER, *CHECKS)]
            continue
        head, *stages = ours
        later = [m.row for m in marks if m.row > ours[-1].row and m.section != section]
        end = min(later, default=total)
        if head.row >= seen:
            named.append(head.name)
        elif below := [m.name for m in stages if m.row >= seen]:
            named += below
        elif end > seen:
            named.append("more commands")
    return named


def capped_check(first: Text, width: int) -> tuple[Text, Text | None]:
    """`first` with its `Checked:` (or `Resolved:`) line cut to CHECK_ROWS rows at `width`,
    and that line whole where it was cut (None where it was not)."""
    lines = first.split("\n")
    for index, line in enumerate(lines):
        if line.plain.split(":")[0] in CHECKS and width and rows(line, width) > CHECK_ROWS:
            lines[index] = _cut(line, width)
            return Text("\n").join(lines), line
    return first, None


def _cut(line: Text, width: int) -> Text:
    """The longest start of `line`, cut at a space, that fits CHECK_ROWS rows with CUT."""
    spaces = [i for i, char in enumerate(line.plain) if char == " "]
    best, low, high = line[: width // 2] + CUT, 0, len(spaces) - 1
    while low <= high:  # bounded: halves each time
        middle = (low + high) // 2
        tried = line[: spaces[middle]] + CUT
        if rows(tried, width) <= CHECK_ROWS:
            best, low = tried, middle + 1
        else:
            high = middle - 1
    return best
