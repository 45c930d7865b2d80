"""Small modal dialogs: a text prompt (note, skip reason, abort reason) and a yes/no.
What they explain may quote a host (a refusal, an event), so it is shown as plain text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from console.model.visible import visible
from console.ui.messages import WatchChanged
from console.ui.screens.button_dialog import ButtonDialog
from console.ui.widgets.typeahead import FieldInput, pass_on


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter accepts, Escape cancels."""

    # Keys typed before it was drawn are its own (the text typed as it opens is its
    # answer): key_turns.py.
    TAKES_TYPE_AHEAD = True

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        title: str,
        explanation: str,
        placeholder: str,
        *,
        required: bool = True,
        danger: bool = False,
        elsewhere: str = "",
    ):
        super().__init__()
        # Of another incident than the one this console drives: what its note says of it
        # (`, so not taken: ...`), noted in this one, the only record it can write.
        self.elsewhere = elsewhere
        self.title_text = title
        self.explanation = explanation
        self.placeholder = placeholder
        self.required = required
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -danger" if self.danger else "")):
            yield Label(visible(self.title_text), classes="dialog-title", markup=False)
            yield Static(visible(self.explanation), classes="dialog-text", markup=False)
            yield FieldInput(placeholder=self.placeholder, id="prompt-input", enter_moves=False)
            yield Label("", id="prompt-error", classes="error-line")
            yield Static("Enter to accept · Esc to cancel", classes="dialog-hint")

    async def on_key(self, event: events.Key) -> None:
        """Keys typed ahead reach the screen before its field has the focus (A in the
        quit dialog, then the reason, in one burst over a slow link): they go into the
        field, in order, Enter too, rather than nowhere (seen: `wrong fleet` recorded as
        `rong fleet`). The field's own keys that bubble up are none it would take."""
        field = self.query_one("#prompt-input", FieldInput)
        if await pass_on(field, event):
            self.set_focus(field)
            event.stop()
            event.prevent_default()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not self.is_current:
            return  # answered already: a second Enter would dismiss the screen beneath
        text = event.value.strip()
        if self.required and not text:
            self.query_one("#prompt-error", Label).update(
                "Type something first: this cannot be empty."
            )
            return
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def unsaved_note(self, why: str) -> str:
        """The note that keeps what is typed here, never accepted, once the console ends
        (`why`) with this dialog open; "" when nothing is typed."""
        text = self.query_one("#prompt-input", Input).value.strip() if self.is_mounted else ""
        return typed_note(self.title_text, why, text, self.elsewhere)


def typed_note(title: str, why: str, typed: str, so: str = "") -> str:
    """`TITLE: left unanswered when the console ended (WHY)[, SO]; typed: “...”`: what a
    dialog left open held, never accepted; "" when nothing is typed."""
    if not typed:
        return ""
    return f"{title}: left unanswered when the console ended ({why}){so}; typed: “{typed}”"


def unanswered(screens: Iterable[Screen[Any]], why: str) -> list[str]:
    """The notes that keep what is typed in the dialogs left open among `screens` (their
    `unsaved_note`), never accepted, as the console ends (`why`): each dialog's once."""
    notes = []
    for screen in screens:
        said = getattr(screen, "unsaved_note", None)
        if said is not None and not getattr(screen, "noted", False) and (text := said(why)):
            screen.noted = True  # type: ignore[attr-defined]  # not again at the exit
            notes.append(text)
    return notes


def enter_says(
    yes: str, no: str, yes_focused: bool, yes_key: str = "y", no_key: str = "Esc"
) -> str:
    """What a yes/no dialog's Enter does, under its buttons: `Enter or Esc: Stop here · y:
    Start stage 2` (the other way round when the yes button has the focus)."""
    said = (
        f"Enter or {yes_key}: {yes} · {no_key}: {no}"
        if yes_focused
        else f"Enter or {no_key}: {no} · {yes_key}: {yes}"
    )
    return visible(said, one_line=True)


# A confirmation's rows besides its body (the question and its detail): borders, title
# and its margin, buttons, the hint and its margin.
DIALOG_LINES = 9
SCROLLS = "↑ ↓ PgUp PgDn scroll"


class ConfirmDialog(ButtonDialog[bool]):
    """A yes/no question; the safe answer is focused, so Enter gives it, and the hint under
    the buttons says what Enter does (the answer focused: Tab moves it)."""

    BINDINGS = [
        Binding("escape", "answer(False)", "No", id="dialog.no"),
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
        Binding("up", "scroll_detail(-1)", "Scroll up", id="dialog.up", show=False),
        Binding("down", "scroll_detail(1)", "Scroll down", id="dialog.down", show=False),
        Binding("pageup", "scroll_detail(-5)", "Page up", id="dialog.page-up", show=False),
        Binding("pagedown", "scroll_detail(5)", "Page down", id="dialog.page-down", show=False),
    ]

    def __init__(
        self,
        title: str,
        question: str,
        yes: str = "Yes",
        no: str = "No",
        detail: Text | Table | None = None,
        live: Callable[[], Text | Table | None] | None = None,
    ):
        """`detail`, when given, is shown under the question as it is (what the answer
        rests on, made safe to show by whoever made it); a table wraps its cells. `live`
        makes it anew as the probes read again (WatchChanged): what a yes rests on, now."""
        super().__init__()
        self.title_text, self.question, self.yes, self.no = title, question, yes, no
        self.detail, self.live = detail, live

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger"):
            yield Label(visible(self.title_text), classes="dialog-title", markup=False)
            # The question and what it rests on scroll together, never pushing the answers
            # or the hint off the screen: a drill's parameters at 80x24, and the question
            # between waves of 200 hosts of 40-character names (its hint was cut off).
            with VerticalScroll(id="confirm-body", can_focus=False):
                yield Static(visible(self.question), classes="dialog-text", markup=False)
                if self.detail is not None:
                    yield Static(self.detail, classes="dialog-detail", id="confirm-detail")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.no} (Esc)", id="no", variant="primary")
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
            yield Static("", id="confirm-hint", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()
        self._hint(yes=False)

    def on_watch_changed(self, message: WatchChanged) -> None:
        detail = self.live() if self.live is not None and self.detail is not None else None
        if detail is not None:
            self.detail = detail
            self.query_one("#confirm-detail", Static).update(detail)

    def on_resize(self, event: events.Resize) -> None:
        """The body takes the rows the dialog (95 % of the screen) leaves it; the hint says
        how it scrolls once it has more than it shows."""
        body = self.query_one("#confirm-body", VerticalScroll)
        body.styles.max_height = max(3, event.size.height * 95 // 100 - DIALOG_LINES)
        self.call_after_refresh(self._hint, yes=self._yes_focused())

    def action_scroll_detail(self, by: int) -> None:
        """↑ ↓ PgUp PgDn scroll the body (the buttons keep the focus, and Enter)."""
        body = self.query_one("#confirm-body", VerticalScroll)
        body.scroll_relative(y=by, animate=False)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._hint(yes=event.widget.id == "yes")

    def _yes_focused(self) -> bool:
        return self.focused is not None and self.focused.id == "yes"

    def _hint(self, yes: bool) -> None:
        said = enter_says(self.yes, self.no, yes)
        if self.query_one("#confirm-body", VerticalScroll).max_scroll_y > 0:
            said += f" · {SCROLLS}"  # the keys, shown nowhere else (the footer is beneath)
        self.query_one("#confirm-hint", Static).update(said)

    def answer(self, button: Button) -> None:
        self.dismiss(button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
