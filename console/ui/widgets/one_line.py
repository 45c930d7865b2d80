"""One line of text that never breaks a word: what does not fit is cut at a space, with
an ellipsis, for the width it has now; a name that does not fit is cut in its middle."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

ELLIPSIS = " …"


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
