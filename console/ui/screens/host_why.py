"""Why a host did not succeed, whole: the execution screen's Enter on a host whose reason
is longer than its pane above the output shows (six lines at most)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.model.state import HostRun
from console.model.visible import visible
from console.ui.screens.execution_rows import Refused, nowhere, why_text


def why_whole(run: HostRun, refused: Refused = nowhere) -> Text | None:
    """Where the host stood and why, in full; None for a host with nothing to explain."""
    why = why_text(run, refused)
    if why is None:
        return None
    facts = [f"{run.status.symbol} {run.status.value}"]
    if run.stage:
        facts.append(f"at {run.stage}")
    if run.failure:
        facts.append(f"· {run.failure.value}")
    if run.detail and run.detail != run.said():
        facts.append(f"({visible(run.detail, one_line=True)})")
    if run.attempt:
        facts.append(f"· try {run.attempt}")
    return Text(" ".join(facts) + "\n\n", style="bold").append_text(why)


class HostWhy(ModalScreen[None]):
    """A host's reason in full, scrolled by the arrows; Esc (or Enter) closes."""

    # Keys typed before it was drawn are its own (it only shows): key_turns.py.
    TAKES_TYPE_AHEAD = True

    BINDINGS = [Binding("escape,enter", "close", "Close", id="why.close")]

    def __init__(self, host: str, text: Text):
        super().__init__()
        self.host, self.text = host, text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="why-box"):
            yield Label(
                f"Why {visible(self.host, one_line=True)} did not succeed", classes="dialog-title"
            )
            with VerticalScroll(id="why-scroll"):
                yield Static(self.text, id="why-text")
            yield Static("Arrows scroll · Esc closes.", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#why-scroll").focus()

    def action_close(self) -> None:
        self.dismiss()
