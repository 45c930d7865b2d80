"""The ad-hoc command ("assess system state"): a command, on all incident hosts or one."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioSet, Static

from console.model.visible import visible
from console.ui.widgets.toggles import Choice, MarkedRadioButton

ALL, ONE = "all", "one"
SHOWN_HOSTS = 4  # named above the choice; the others counted


class AdhocDialog(ModalScreen[tuple[str, list[str]] | None]):
    """Ask for a command and where to run it; Enter runs, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, hosts: list[str], highlighted: str | None):
        super().__init__()
        self.hosts = hosts
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="adhoc-dialog"):
            yield Label("Run an ad-hoc command", classes="dialog-title")
            yield Static(
                "Sent exactly as typed, in each host's work directory; journalled like a step.",
                classes="dialog-text",
            )
            yield Input(placeholder="e.g. cat service/metrics", id="adhoc-command")
            # The hosts on lines of their own, whole: in the choice's one line, cut in its
            # middle, three 38-character names read 'All 3 incident hosts (paymen…dger-eu-
            # west-1c-replica-003)', as if all three were that one.
            more = len(self.hosts) - SHOWN_HOSTS
            shown = ", ".join(self.hosts[:SHOWN_HOSTS]) + (f" +{more} more" if more > 0 else "")
            yield Static(
                Text(f"Incident hosts: {visible(shown)}"), id="adhoc-hosts", classes="dialog-text"
            )
            with Choice(id="adhoc-where"):
                yield MarkedRadioButton(
                    f"All {len(self.hosts)} incident hosts", name=ALL, value=True
                )
                if self.highlighted:
                    yield MarkedRadioButton(f"Only {self.highlighted} (highlighted)", name=ONE)
            yield Label("", id="adhoc-error", classes="error-line")
            yield Static("Enter runs · Tab chooses where · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#adhoc-command", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        command = event.value.strip()
        if not command:
            self.query_one("#adhoc-error", Label).update("Type a command first.")
            return
        button = self.query_one("#adhoc-where", RadioSet).pressed_button
        one = button is not None and button.name == ONE
        highlighted = self.highlighted
        self.dismiss((command, [highlighted] if one and highlighted else list(self.hosts)))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def unsaved_note(self, why: str) -> str:
        """The note that keeps the command typed here, never sent, once the console ends
        (`why`) with this dialog open; "" when nothing is typed."""
        from console.ui.screens.dialogs import typed_note

        command = self.query_one("#adhoc-command", Input).value.strip() if self.is_mounted else ""
        return typed_note("Run an ad-hoc command", why, command, ", so not sent")
