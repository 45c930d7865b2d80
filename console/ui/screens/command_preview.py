"""What a step would send, before it is run: every host's commands, rendered and
quoted exactly as they would go out; hosts that would get the same ones are grouped.
A secret is shown masked, and marked so: the host gets the real value."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.journal.redact import MASKED_NOTE
from console.model.templates import Commands, alike
from console.model.visible import visible
from console.ui.palette import themed

MASKED_STYLE = "$warning"


def preview_text(per_host: dict[str, Commands]) -> Text:
    """Never wrapped: a wrapped shell line would read as two commands."""
    text = Text(no_wrap=True, overflow="ignore")
    for number, (hosts, commands) in enumerate(alike(per_host)):
        if number:
            text.append("\n")
        text.append(f"On {', '.join(hosts)}", style=themed("bold $secondary"))
        text.append(f"  ({len(hosts)} host{'s' if len(hosts) != 1 else ''})\n", style="dim")
        for stage, command in commands:
            text.append(f"  {stage}\n", style="bold")
            for line in visible(command.shown.strip()).splitlines():
                text.append(f"    {line}\n")
            if command.masked:
                text.append(f"    # {MASKED_NOTE}\n", style=themed(MASKED_STYLE))
    return text


class CommandPreview(ModalScreen[None]):
    """Every command a step would send, per host; nothing is sent. Esc closes."""

    # Keys typed before it was drawn are its own (it only shows): key_turns.py.
    TAKES_TYPE_AHEAD = True

    BINDINGS = [Binding("escape,p", "close", "Close", id="preview.close")]

    def __init__(self, title: str, per_host: dict[str, Commands]):
        super().__init__()
        self.title_text = title
        self.per_host = per_host

    def compose(self) -> ComposeResult:
        hosts = len(self.per_host)
        with Vertical(classes="dialog", id="commands-box"):
            yield Label(
                f"What “{self.title_text}” would send to {hosts} host(s)", classes="dialog-title"
            )
            with VerticalScroll(id="commands"):
                yield Static(preview_text(self.per_host), id="commands-text")
            yield Static(
                "Nothing has been sent. Each command runs under a wrapper that passes an"
                " abort on to everything it started. Arrows scroll · Esc closes.",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#commands").focus()

    def action_close(self) -> None:
        self.dismiss()
