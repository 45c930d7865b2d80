"""Text from a host, a configuration or a person, made inert in Markdown: it renders as
the very characters it holds. No HTML, link, image, autolink, emphasis, code span or
block it did not ask the document for: a host that prints `[login](https://evil)` or
`<img src=x onerror=...>` gets those characters shown, never a link or a tag."""

from __future__ import annotations

import re

# Backslash escapes (CommonMark: any ASCII punctuation may be escaped): what opens HTML,
# links, images, code spans, emphasis, strikethrough and entities (`&lt;`). `_` only
# where it can open or close emphasis (`flag.new_checkout` stays as it reads); `>` only
# at a line's start (a quote), as nothing else it ends can open here.
_INLINE = re.compile(r"[\\`*\[\]<~]|&(?=#?\w+;)|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# GitHub links bare URLs and www. names: the escape splits them so nothing is linked.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto)(:)|\b(www)(\.)")
# What makes a line a heading, quote, list item, thematic break or setext underline.
_BLOCK = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
_INDENT = re.compile(r"^[ \t]+")


def _autolink(m: re.Match[str]) -> str:
    word, mark = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return f"{word}\\{mark}"


def _inline(line: str) -> str:
    return _AUTOLINK.sub(_autolink, _INLINE.sub(lambda m: "\\" + m.group(), line))


def _block(m: re.Match[str]) -> str:
    indent, mark = m.group(1), m.group(2)
    return f"{indent}{mark}\\" if mark[0].isdigit() else f"{indent}\\{mark}"


def inert(text: object) -> str:
    """`text` as Markdown that shows it as it is, on as many lines as it has (a line
    cannot become a heading, quote, list item or rule): a line followed by another ends
    in a hard break (`\\`), where Markdown would run the two together, and a line's
    indentation is kept in no-break spaces, where four spaces would open a code block
    (its escapes then shown as typed: `\\[`) and fewer would be dropped."""
    lines = [_BLOCK.sub(_block, _inline(line)) for line in str(text).splitlines()]
    lines = [_INDENT.sub(_kept, line) if line.strip() else "" for line in lines]
    return "\n".join(
        line + "\\" * bool(line and i + 1 < len(lines) and lines[i + 1])
        for i, line in enumerate(lines)
    )


def _kept(m: re.Match[str]) -> str:
    return "\u00a0" * len(m.group().expandtabs(4))


def cell(text: object) -> str:
    """`text` inert inside a table cell: one line, its `|` escaped; `–` when empty."""
    return _inline(" ".join(str(text).splitlines())).replace("|", "\\|").strip() or "–"


def code(text: object) -> str:
    """`text` as an inline code span (inert by nature): one line, fenced by more
    backticks than any run it holds."""
    line = " ".join(str(text).splitlines()) or " "
    fence = "`" * (max((len(r) for r in re.findall(r"`+", line)), default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line}{pad}{fence}"
