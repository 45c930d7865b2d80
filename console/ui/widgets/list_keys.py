"""The keys of every list in the console (its cursor's), with the binding ids a [keymap]
moves them by in all of them at once."""

from __future__ import annotations

from textual.binding import Binding

# name: (key, binding id, description)
KEYS = {
    "up": ("up", "list.up", "Up"),
    "down": ("down", "list.down", "Down"),
    "page_up": ("pageup", "list.page-up", "Page up"),
    "page_down": ("pagedown", "list.page-down", "Page down"),
    "first": ("home", "list.first", "First"),
    "last": ("end", "list.last", "Last"),
}


def list_bindings(**actions: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """A list's bindings of its cursor's keys (named as KEYS names them) to `actions`."""
    return [  # typed as Textual's BINDINGS are, which a subclass's must match
        Binding(KEYS[name][0], action, KEYS[name][2], id=KEYS[name][1], show=False)
        for name, action in actions.items()
    ]
