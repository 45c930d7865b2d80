"""One line of text that never breaks a word: what does not fit is cut at a space, with
an ellipsis, for the width it has now; a name that does not fit is cut in its middle."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, chop_cells
from rich.text import Text
from textual.widget import Widget

ELLIPSIS = " …"


def folded(line: str, cells: int) -> list[str]:
    """`line` in parts of at most `cells` cells that join back to it, every character
    kept: each cut after the last space within it (a shell word kept whole), at the edge
    only where none is."""
    parts: list[str] = []
    rest = line
    while cells > 0 and cell_len(rest) > cells:
        head = chop_cells(rest, cells)[0]
        cut = head.rfind(" ") + 1 or len(head)
        cut = max(cut if head.strip() else len(head), 1)  # never an empty part
        parts.append(rest[:cut])
        rest = rest[cut:]
    return [*parts, rest]


def fit(text: Text | str, width: int) -> Text:
    """`text` if it fits `width` cells, else its longest start that ends at a word and
    leaves room for " …"; styles are kept."""
    text = Text(text) if isinstance(text, str) else text
    if width <= 0 or cell_len(text.plain) <= width:
        return text
    room = width - len(ELLIPSIS)
    plain = text.plain
    cut = plain.rfind(" ", 0, room + 1)
    while cut > 0 and plain[cut - 1] in " ·│,;:":  # no separator left hanging
        cut -= 1
    kept = text[: cut if cut > 0 else room]
    kept.rstrip()
    kept.append(ELLIPSIS, style="dim")
    return kept


class OneLine(Widget):
    """A one-line label that fits its text to its width, at a word, on every render."""

    DEFAULT_CSS = """
    OneLine { height: 1; }
    """

    def __init__(self, text: Text | str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = Text(text) if isinstance(text, str) else text

    @property
    def text(self) -> Text:
        return self._text

    def update(self, text: Text | str) -> None:
        self._text = Text(text) if isinstance(text, str) else text
        self.refresh()

    def render(self) -> Text:
        return fit(self._text, self.content_size.width)


def middle_cut(text: str, cells: int) -> str:
    """`text` in `cells` cells, cut in the middle when wider: its head, `…`, and its tail
    (`payments-ledg…eu-west-1a-01`), so that names which differ at their end (web-01,
    web-02) still differ once cut. Wide characters count as two cells."""
    if cell_len(text) <= cells:
        return text
    tail_room = cells // 2
    head_room = cells - 1 - tail_room
    head = tail = ""
    for char in text:
        if cell_len(head + char) > head_room:
            break
        head += char
    for char in reversed(text):
        if cell_len(char + tail) > tail_room:
            break
        tail = char + tail
    return f"{head}…{tail}"


def path_cut(path: str, cells: int) -> str:
    """A path in `cells` cells, its file name kept: cut from the left (`…/drafts/doc.md`),
    or, a file name wider than the room, that name cut in its middle."""
    if cell_len(path) <= cells:
        return path
    name = path.rsplit("/", 1)[-1]
    if cell_len(name) + 2 > cells:
        return middle_cut(name, cells)
    tail = ""
    for char in reversed(path):
        if cell_len(char + tail) > cells - 1:
            break
        tail = char + tail
    return "…" + tail


def distinct_cuts(names: Iterable[str], cells: int) -> dict[str, str]:
    """Each of `names` (distinct) in `cells` cells, cut in the middle (`middle_cut`), but
    those whose cuts would read alike (`payments-…west-1a-01` for the eu-west and the
    us-west host) keep, between a shorter head and tail, where they differ:
    `paym…-eu-west-…a-01`."""
    cuts = {n: middle_cut(n, cells) for n in names}
    for _ in range(3):  # again for a group of three whose second difference is further on
        alike: dict[str, list[str]] = {}
        for name, cut in cuts.items():
            alike.setdefault(cut, []).append(name)
        groups = [g for g in alike.values() if len(g) > 1]
        if not groups:
            break
        for group in groups:
            first, *_, last = sorted(group)  # the names least alike are at the ends
            for name in group:
                ends = [o for o in (first, last) if o != name]
                start = min(_same_start(name, o) for o in ends)
                cuts[name] = _cut_around(name, start, cells)
    return cuts


def _same_start(a: str, b: str) -> int:
    """How many characters `a` and `b` start with alike."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _cut_around(name: str, start: int, cells: int) -> str:
    """`name` in `cells` cells: a quarter for its head and its tail each, the rest from
    just before `start`, where it differs from names cut alike."""
    if cells < 11 or cell_len(name) != len(name):  # too narrow, or wide characters
        return middle_cut(name, cells)
    edge = (cells - 2) // 4
    room = cells - 2 - 2 * edge
    begin = max(edge, min(start - 1, len(name) - edge - room))
    head, middle, tail = name[:edge], name[begin : begin + room], name[len(name) - edge :]
    cut_before = "…" if begin > edge else ""
    cut_after = "…" if begin + room < len(name) - edge else ""
    return f"{head}{cut_before}{middle}{cut_after}{tail}"
