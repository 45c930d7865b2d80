"""A dialog answered by its buttons, once, in the turn of the key that answers it.

Textual's Button answers Enter by posting `Pressed`, handled after the key's own turn: on
a confirmation whose Cancel had focus, `Enter y` typed fast gave the `y` binding's yes
first (the step ran on its hosts), then Cancel's late `Pressed` dismissed again, which
ran the answer's callback a second time and popped the screen beneath. Here Enter on a
focused button answers at once (a priority binding: key_turns.py routes a key only once
the keys before it are handled), and a dialog no longer on top takes no second answer.
"""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button

R = TypeVar("R")


async def _nothing() -> None:
    """What a dismissal not taken waits for."""


class ButtonDialog(ModalScreen[R]):
    """A modal question answered by `answer(button)`: on a click, or Enter on the button
    with focus. The first answer is the only one."""

    BINDINGS = [Binding("enter", "press_focused", "Answer", show=False, priority=True)]
    SHOWS_WATCH_LINE = True  # its own, on its top line: the screens' beneath are hidden

    def on_mount(self) -> None:
        # A trigger's proposal or countdown stays in view, on the dialog's top line: at
        # 80x24 a tall dialog (a wave's question with its probes) covered the screen's
        # own line beneath, and the commander confirmed without seeing what was proposed.
        from console.ui.widgets.watch_line import WatchLine

        if getattr(self.app, "live", None) is not None:
            self.mount(WatchLine(), before=0)

    def answer(self, button: Button) -> None:
        """Dismiss with what `button` answers."""
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.answer(event.button)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "press_focused":  # else Enter goes on as it would (a scrolled text)
            return isinstance(self.focused, Button)
        return super().check_action(action, parameters)

    def action_press_focused(self) -> None:
        if isinstance(self.focused, Button):
            self.answer(self.focused)

    def dismiss(self, result: R | None = None) -> AwaitComplete:
        if self is not self.app.screen:  # answered already: the screen on top is not its own
            return AwaitComplete(_nothing())
        return super().dismiss(result)
