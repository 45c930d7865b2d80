"""Help: every key that works here, generated from the active bindings."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static


def key_rows(screen: Screen) -> list[tuple[str, str, str]]:
    """(key, what it does, binding id) for the bindings active on `screen`."""
    rows = []
    seen = set()
    for _key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.action == "command_palette":  # Textual's, described below
            continue
        if not binding.description or (binding.id, binding.description) in seen:
            continue
        seen.add((binding.id, binding.description))
        rows.append((screen.app.get_key_display(binding), binding.description, binding.id or ""))
    # fixed, no keymap id; once (it was listed twice: Textual's "^p palette" and this)
    palette = Binding(screen.app.COMMAND_PALETTE_BINDING, "command_palette")
    rows.append((screen.app.get_key_display(palette), "Palette: systems, hosts, steps", ""))
    return sorted(rows, key=lambda row: not row[2])


MIN_WHAT_WIDTH = 16  # a description narrower than this would read as fragments


class HelpScreen(ModalScreen[None]):
    """The keys of the screen underneath, and the global ones."""

    # Keys typed before it was drawn are its own (it only shows): key_turns.py.
    TAKES_TYPE_AHEAD = True

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("f1", "close", "Close", id="help.close-f1", show=False),
    ]

    def __init__(self, under: Screen):
        super().__init__()
        self.rows = key_rows(under)
        self.under = type(under).__name__.removesuffix("Screen")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-box"):
            yield Label(f"Keys on the {self.under} screen", classes="dialog-title")
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            yield Static(
                'Rebind keys in console.toml: [keymap] "binding-id" = "key". Esc closes.',
                classes="dialog-hint",
                markup=False,  # `[keymap]` is text, not markup
            )

    def on_mount(self) -> None:
        self.query_one("#keys", DataTable).focus()
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """The rows, at the width the table was given: a long description (a text field's
        "Move cursor right or accept the completion suggestion") wraps in its column,
        leaving the binding id whole beside it (it was cut at 80 columns)."""
        table = self.query_one("#keys", DataTable)
        key_width = max(len(key) for key, _, _ in self.rows)
        id_width = max(len("Binding id"), *(len(bid) for _, _, bid in self.rows))
        # each column has one cell of padding each side; 2 more for the scrollbar
        room = table.scrollable_content_region.width - key_width - id_width - 3 * 2 - 2
        what_width = max(room, MIN_WHAT_WIDTH)
        table.add_column("Key", width=key_width)
        table.add_column("What it does", width=what_width)
        table.add_column("Binding id", width=id_width)
        for key, what, bid in self.rows:
            lines = textwrap.wrap(what, what_width) or [""]
            table.add_row(key, Text("\n".join(lines)), bid, height=len(lines))

    def action_close(self) -> None:
        self.dismiss()
