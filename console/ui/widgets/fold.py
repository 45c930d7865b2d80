"""Text folded to a width on its spaces, as a reader expects: a word too long for a line
(a path, a list of files) breaks after a '/', ',' or ':' in it, a fingerprint after its
'SHA256:', and only failing those at the width."""

from __future__ import annotations

import re

_AFTER = re.compile(r"(?<=[/,:])")  # where a word too long for a line may break


def fold(text: str, width: int) -> str:
    """`text` in lines of at most `width` characters (`width` < 1: as it is); every
    character kept but the spaces a line ends on."""
    if width < 1:
        return text
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        for index, piece in enumerate(_pieces(word, width)):
            glue = " " if index == 0 and line else ""
            if len(line) + len(glue) + len(piece) <= width:
                line += glue + piece
                continue
            if line:
                lines.append(line)
            line = piece
    return "\n".join([*lines, line] if line else lines)


def _pieces(word: str, width: int) -> list[str]:
    """`word` whole if it fits a line, else its parts after each '/', ',' or ':', each
    cut at `width` if still too long."""
    if len(word) <= width:
        return [word]
    # A fingerprint's base64 has '/' in it that separate nothing: it breaks after its
    # 'SHA256:' and before the sentence's ';' only, so its key is whole on a line of its
    # own where one can hold it.
    parts = _AFTER.split(word)
    if word.startswith("SHA256:"):
        key = word[7:].rstrip(",;.)")
        parts = [word[:7], key, word[7 + len(key) :]]
    return [
        part[start : start + width]
        for part in parts
        if part
        for start in range(0, len(part), width)
    ]
