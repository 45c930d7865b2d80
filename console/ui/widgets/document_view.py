"""A document's text, read-only: scrolled, selected and copied, never edited. Only the lines
on screen are drawn: a Markdown widget mounted a 400-line preview's blocks on the UI loop
(~4 s of CPU, the loop held 1.5 s at a time; a Static laid out all 400 lines, ~0.1-0.2 s;
this view ~0.05 s: bench/RESULTS.md, issue 18)."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import TextArea

# TextArea's keys that move, select and copy; its editing keys, and F5-F7 (it selects with
# them; the console opens its form and export screens and closes the incident with them),
# stay the console's.
KEEP = frozenset(
    {
        *("up", "down", "left", "right", "home", "end", "pageup", "pagedown"),
        *("ctrl+left", "ctrl+right", "ctrl+shift+left", "ctrl+shift+right"),
        *("shift+home", "shift+end", "shift+up", "shift+down", "shift+left", "shift+right"),
        "ctrl+c",
    }
)


def _kept(bindings: list[Binding]) -> list[Binding]:
    kept = []
    for binding in bindings:
        keys = [k for k in binding.key.split(",") if k.strip() in KEEP]
        if keys:
            kept.append(replace(binding, key=",".join(keys)))
    return kept


class DocumentView(TextArea, inherit_bindings=False):
    """Read-only text, wrapped at the widget's width, with a cursor to select and copy."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *_kept([b for b in TextArea.BINDINGS if isinstance(b, Binding)])
    ]

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id, read_only=True, soft_wrap=True, show_cursor=True)

    # Textual's TextArea (8.2.8, pinned) rewraps every line at each resize and whenever its
    # vertical scrollbar shows or hides: ~5-15 ms of the UI thread's CPU for the export
    # screen's 400-line preview, twice as it first showed (the scrollbar appearing) and
    # again when the screen's status grew to three lines. Only a new width rewraps here
    # (app.tcss keeps the scrollbar's column: its showing leaves the width alone).

    def _wrapped(self) -> bool:
        return self.wrap_width == self.wrapped_document._width

    def _on_resize(self, event: events.Resize) -> None:  # type: ignore[override]
        if self._wrapped():
            event.prevent_default()  # TextArea's handler, which rewraps

    def _watch_show_vertical_scrollbar(self) -> None:
        if self._wrapped():
            self.scroll_cursor_visible()
        else:
            super()._watch_show_vertical_scrollbar()
