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
from console.ui.widgets.one_line import folded

MASKED_STYLE = "$warning"
INDENT = "    "  # a command's lines
# Where a line too long for the dialog goes on, in the indent no command line starts in:
# a line wrapped without it would read as two commands, one cut at the edge as all of it.
GOES_ON = "  ↪ "


def _command_lines(text: Text, line: str, width: int | None) -> None:
    """One line of a command, folded at a space within `width` cells, each rest marked
    GOES_ON."""
    pieces = folded(line, (width or 0) - len(INDENT))
    text.append(f"{INDENT}{pieces[0]}\n")
    for piece in pieces[1:]:
        text.append(GOES_ON, style=themed("bold $accent"))
        text.append(f"{piece}\n")


def preview_text(per_host: dict[str, Commands], width: int | None = None) -> Text:
    """Never wrapped by the terminal: a line longer than `width` cells goes on under
    itself after a GOES_ON mark (not a second command, nor cut at the edge)."""
    text = Text(no_wrap=True, overflow="ignore")
    for number, (hosts, commands) in enumerate(alike(per_host)):
        if number:
            text.append("\n")
        text.append(f"On {', '.join(hosts)}", style=themed("bold $secondary"))
        text.append(f"  ({len(hosts)} host{'s' if len(hosts) != 1 else ''})\n", style="dim")
        for stage, command in commands:
            text.append(f"  {stage}\n", style="bold")
            for line in visible(command.shown.strip()).splitlines():
                _command_lines(text, line, width)
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
        self._width = 0  # the cells the commands were folded at

    def compose(self) -> ComposeResult:
        hosts = len(self.per_host)
        with Vertical(classes="dialog", id="commands-box"):
            yield Label(
                f"What “{self.title_text}” would send to {hosts} host(s)", classes="dialog-title"
            )
            with VerticalScroll(id="commands"):
                yield Static(preview_text(self.per_host), id="commands-text")
            yield Static(
                "Nothing has been sent; each command's wrapper passes an abort on to all it"
                " started. ↪ continues a line · Arrows scroll · Esc closes.",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#commands").focus()
        self.call_after_refresh(self._fold)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fold)

    def _fold(self) -> None:
        """The commands folded at the width the dialog gives them (known once laid out)."""
        width = self.query_one("#commands", VerticalScroll).scrollable_content_region.width
        if width > len(INDENT) and width != self._width:
            self._width = width
            self.query_one("#commands-text", Static).update(preview_text(self.per_host, width))

    def action_close(self) -> None:
        self.dismiss()
