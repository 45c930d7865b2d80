"""What a one-line text field shows of a value that is not one line, and what a paste
puts in it.

Textual's Input keeps a paste's first line and drops the others, saying nothing, and
writes a line break or a control character in its value to the terminal as it is (a
root cause filled in headless over several lines broke the form's rows at 80x24). A
field shows each line break as ⏎ and each other control character as its picture
(␛ for ESC), one cell for one character, so the cursor and the selection stay where
they are in the value; a paste is kept whole: its line breaks kept in a field that
takes several lines, else each a space. A character the record shows escaped (a C1
control such as CSI U+009B, a bidi override U+202E that reverses what follows, a
zero-width space: console/model/visible.py) is shown as �, one for one: a value from a
host or a configuration never reaches the terminal raw nor reads as another."""

from __future__ import annotations

from console.model.visible import UNSAFE

LINE_BREAK = "⏎"
# C0 controls and DEL as Unicode's control pictures (U+2400 + code), a tab as it is.
_SHOWN = {code: chr(0x2400 + code) for code in range(0x20) if code != 0x09}
_SHOWN |= {0x0A: LINE_BREAK, 0x7F: "\u2421"}
OTHER = "\ufffd"  # any other character visible.py escapes: one cell, never obeyed


def shown(text: str) -> str:
    """`text` as a one-line field shows it: each character one of its own."""
    text = text.translate(_SHOWN)
    return UNSAFE.sub(OTHER, text) if UNSAFE.search(text) else text


def pasted(text: str, lines: bool) -> str:
    """A pasted `text` as the field takes it: a terminal's CR or CRLF as a line break,
    none at its ends; with `lines` the breaks kept, else the lines joined by a space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return text if lines else " ".join(line for line in text.split("\n") if line.strip())
