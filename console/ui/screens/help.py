"""Help: every key that works here, generated from the active bindings."""

from __future__ import annotations

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
        table = self.query_one("#keys", DataTable)
        table.add_columns("Key", "What it does", "Binding id")
        for row in self.rows:
            table.add_row(*row)
        table.focus()

    def action_close(self) -> None:
        self.dismiss()
