"""A status update as it will be sent, to edit before it goes: its channels, each whole
where it matters, and the message."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.model.notify_kinds import MAY_PAGE_TWICE, NOT_AGAIN, NOT_SENT
from console.model.visible import visible
from console.ui.widgets.message_area import MessageArea

MAX_TARGETS = 5  # lines of a status update's channels
RUNS = ": the jump host runs: "  # a status update's command channel, as shown_target says it


class NotifyDialog(ModalScreen[str | None]):
    """The status update as it will be sent, editable; Enter sends it, Esc does not."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="notify.cancel")]

    def __init__(
        self,
        title: str,
        message: str,
        targets: list[str],
        every: float | None = None,
        changed: tuple[str, str] = ("", ""),
    ):
        super().__init__()
        # A configuration file changed since start: its line (what, key by key, goes in
        # the note the update records: the channels and message stay in sight at 80x24).
        self.changed = changed[0]
        self.title_text = title
        self.message = message
        self.targets = targets
        self.every = every  # minutes: the step's update goes again until the close

    def compose(self) -> ComposeResult:
        shown = self.targets
        if len(shown) > MAX_TARGETS:  # the message and how to send it stay in sight at 80x24
            rest = [t.split(":", 1)[0] for t in shown[MAX_TARGETS - 1 :]]
            shown = [*shown[: MAX_TARGETS - 1], f"… and {len(rest)} more: {', '.join(rest)}"]
        with Vertical(classes="dialog", id="notify-dialog"):
            yield Label(f"Send “{self.title_text}”?", classes="dialog-title")
            if self.changed:
                yield Static(f"! {self.changed}", id="notify-changed", markup=False)
            with Vertical(id="notify-targets"):
                # seen: a step with `every` said nothing of it before it was sent
                again = f"every {self.every:g} min" if self.every else ""
                yield Static(f"To (then again {again} until the close):" if again else "To:")
                for target in shown:
                    # a command goes on under its own start, whole: nothing is sent that was
                    # not seen, and so does a channel that cannot send (why, whole) or may
                    # have it already; a webhook's line is cut with … at the dialog's width
                    whole = RUNS in target or NOT_SENT in target or MAY_PAGE_TWICE in target
                    with Horizontal(classes="target-row"):
                        yield Static("→", classes="arrow")
                        yield Static(
                            Text(visible(target, one_line=True)),
                            classes="target -whole" if whole else "target",
                        )
            yield Label("Message (edit it if you like; what is sent is journalled):")
            yield MessageArea(self.message, id="notify-message")
            yield Label("", id="notify-error", classes="error-line")
            yield Static(self._hint(), classes="dialog-hint")

    def _hint(self) -> str:
        """What Enter does: with a channel that cannot send from this console, where it
        sends, or that it sends nowhere (seen: "Enter sends" over two channels both NOT
        SENT, their variables not set here)."""
        cannot = sum(NOT_SENT in t for t in self.targets)
        took = sum(NOT_AGAIN in t for t in self.targets)  # a retry: delivered there already
        if cannot and cannot + took == len(self.targets):
            return "No channel can send it: Enter records it as NOT SENT · Esc records nothing"
        if cannot or took:
            can = len(self.targets) - cannot - took
            return f"Enter sends it on {can} of {len(self.targets)} channels · Esc does not send"
        return "Enter sends · Esc does not send"

    def on_mount(self) -> None:
        self.query_one("#notify-message", MessageArea).focus()

    def unsaved_note(self, why: str) -> str:
        """The note that keeps the update as edited here, never sent, once the console
        ends (`why`) with this dialog open; "" when it is as the step wrote it."""
        if not self.is_mounted:
            return ""
        text = self.query_one("#notify-message", MessageArea).value.strip()
        if not text or text == " ".join(self.message.splitlines()).strip():
            return ""
        return (
            f"Send “{self.title_text}”: left unanswered when the console ended ({why}), so"
            f" not sent; edited to: “{text}”"
        )

    def on_message_area_submitted(self, event: MessageArea.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#notify-error", Label).update("✘ The message is empty.")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
