"""A checkbox and a radio button whose state shows as a mark, not as a colour alone.

Textual draws the same glyph on and off and tells them apart by colour; under stress,
on a dim terminal or with NO_COLOR, that can be misread. Here an empty button is off.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Checkbox, RadioButton, RadioSet


class MarkedCheckbox(Checkbox):
    """☐-like when off, a ✔ when on."""

    # Textual reads BUTTON_INNER from the instance at each render: a property makes the
    # mark follow the value (Textual declares it a plain class attribute).
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "✔" if self.value else " "


class MarkedRadioButton(RadioButton):
    """Empty when not chosen, a ● when chosen."""

    # Textual reads BUTTON_INNER from the instance at each render: a property makes the
    # mark follow the value (Textual declares it a plain class attribute).
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else " "


def highlight_pressed(radios: RadioSet) -> None:
    """Put the keyboard highlight on the pressed button (Textual starts on the first),
    so that ↑ ↓ move from what is chosen. Call once, after the set is mounted."""
    buttons = list(radios.query(RadioButton))
    pressed = radios.pressed_button
    for _ in range(buttons.index(pressed) if pressed in buttons else 0):
        radios.action_next_button()


class ChoiceThenEnter(RadioSet):
    """A choice that Enter goes on from, as Enter does elsewhere on its screen: Enter on
    the chosen button posts `Chosen`; on another one it chooses it, as Space does, so
    what that choice shows (a strategy's parameters) is seen before going on."""

    BINDINGS = [Binding("enter", "enter", show=False)]

    class Chosen(Message):
        """Enter on the chosen button: the screen goes on."""

    def action_enter(self) -> None:
        if self._selected is not None and self._nodes[self._selected] is not self.pressed_button:
            self.action_toggle_button()
        else:
            self.post_message(self.Chosen())
