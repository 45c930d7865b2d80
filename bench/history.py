"""A new dated section at the end of bench/HISTORY.md, and its line at the end of the index.

Nothing already in the file changes: the section is appended, and one line is inserted
where the index ends (the first blank line after its `## Index` heading).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

HISTORY = Path(__file__).with_name("HISTORY.md")
INDEX = "## Index\n\n"


def _slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, letters, digits, spaces as hyphens."""
    kept = (c for c in title.strip().lower() if unicodedata.category(c)[0] in "LN" or c in " -_")
    return "".join(kept).replace(" ", "-")


def anchor(title: str, text: str) -> str:
    """The anchor `title` gets as the next heading of `text` (`-1`, `-2` for a repeat)."""
    taken = [_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.MULTILINE)]
    slug = _slug(title)
    repeats = taken.count(slug)
    return slug if repeats == 0 else f"{slug}-{repeats}"


def add_section(title: str, body: str, history: Path = HISTORY) -> None:
    """Append `### title` and `body` to `history`, and list it at the end of its index."""
    text = history.read_text()
    start = text.find(INDEX)
    if start < 0:
        raise SystemExit(f"{history}: no '## Index' heading to list the new section in")
    end = text.find("\n\n", start + len(INDEX))
    line = f"\n  - [{title}](#{anchor(title, text)})"
    text = text[:end] + line + text[end:]
    history.write_text(text.rstrip("\n") + f"\n\n### {title}\n\n{body.strip()}\n")
