"""A checkbox and a radio button whose state shows as a mark, not as a colour alone.

Textual draws the same glyph on and off and tells them apart by colour; under stress,
on a dim terminal or with NO_COLOR, that can be misread. Here an empty button is off.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, RadioButton, RadioSet

from console.ui.key_turns import hold_keys
from console.ui.widgets.list_keys import list_bindings
from console.ui.widgets.one_line import middle_cut


class MarkedCheckbox(Checkbox):
    """☐-like when off, a ✔ when on."""

    # Textual reads BUTTON_INNER from the instance at each render: a property makes the
    # mark follow the value (Textual declares it a plain class attribute).
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "✔" if self.value else " "


class MarkedRadioButton(RadioButton):
    """Empty when not chosen, a ● when chosen; a label too long for it cut in its middle."""

    # Textual reads BUTTON_INNER from the instance at each render: a property makes the
    # mark follow the value (Textual declares it a plain class attribute).
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "●" if self.value else " "

    def render(self) -> Content:
        """Textual's, but a label past the button's width keeps its end: cut at it, two
        strategies named alike up to there read the same ('version-rollback-with-canary-
        and-c…' at 80x24, its own end and its neighbour's out of sight)."""
        button = self._button
        room = self.content_region.width - button.cell_length - 2
        plain = self._label.plain
        if room <= 0 or cell_len(plain) <= room:
            return super().render()
        style = self.get_visual_style("toggle--label")
        return Content.assemble(
            button, Content(middle_cut(plain, room)).pad(1, 1).stylize_before(style)
        )


class Choice(RadioSet):
    """Textual's radio set, whose highlight also goes to the first and last button (Home,
    End) and a page at a time (PgUp, PgDn), as in every other list of the console: End
    did nothing in the declaration's trigger choice. Buttons out of reach (disabled or
    hidden) are passed over."""

    # Every list's keys, their ids: a [keymap] moves them here too.
    BINDINGS = list_bindings(
        first="jump('first')",
        last="jump('last')",
        page_up="jump('page_up')",
        page_down="jump('page_down')",
    )

    def action_jump(self, where: str) -> None:
        reach = [i for i, b in enumerate(self._nodes) if not b.disabled and b.display]
        if not reach:
            return
        at = reach.index(self._selected) if self._selected in reach else 0
        page = max(1, self._rows_in_view() - 1)
        to = {"first": 0, "last": len(reach) - 1, "page_up": at - page, "page_down": at + page}
        self._selected = reach[min(max(to[where], 0), len(reach) - 1)]

    def _rows_in_view(self) -> int:
        """How many of its rows show at once: in the pane it scrolls in, or its own."""
        for ancestor in self.ancestors_with_self:
            if isinstance(ancestor, Widget) and ancestor.is_scrollable:
                return ancestor.scrollable_content_region.height
        return self.size.height


def highlight_pressed(radios: RadioSet) -> None:
    """Put the keyboard highlight on the pressed button (Textual starts on the first),
    so that ↑ ↓ move from what is chosen. Call once, after the set is mounted."""
    buttons = list(radios.query(RadioButton))
    pressed = radios.pressed_button
    for _ in range(buttons.index(pressed) if pressed in buttons else 0):
        radios.action_next_button()


class ChoiceThenEnter(Choice):
    """A choice that Enter goes on from, as Enter does elsewhere on its screen: Enter on
    the chosen button posts `Chosen`; on another one it chooses it, as Space does, so
    what that choice shows (a strategy's parameters) is seen before going on."""

    BINDINGS = [Binding("enter", "enter", show=False)]

    class Chosen(Message):
        """Enter on the chosen button: the screen goes on."""

    class Moved(Message):
        """The highlight moved: what Enter does there may have changed (goes_on)."""

    def goes_on(self) -> bool:
        """Whether Enter goes on from here (the highlighted button is the chosen one), or
        chooses the highlighted one first."""
        selected = self._selected
        if selected is None or selected >= len(self._nodes):  # none, or on its way out
            return True
        return self._nodes[selected] is self.pressed_button

    def watch__selected(self) -> None:
        super().watch__selected()
        self.post_message(self.Moved())

    def action_enter(self) -> None:
        if not self.goes_on():
            self.action_toggle_button()
        else:
            self.post_message(self.Chosen())

    def action_toggle_button(self) -> None:
        """Textual's; a choice that changes holds the keys after it until the screen has
        shown what it brings (its `Changed` handler calls `keys_go`): a Tab typed behind a
        strategy's Space went into the parameters of the one it replaced, as they went."""
        if self._selected is not None and self._nodes[self._selected] is not self.pressed_button:
            hold_keys(self)
        super().action_toggle_button()
