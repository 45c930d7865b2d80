"""A checkbox and a radio button whose state shows as a mark, not as a colour alone.

Textual draws the same glyph on and off and tells them apart by colour; under stress,
on a dim terminal or with NO_COLOR, that can be misread. Here an empty button is off.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class MarkedCheckbox(Checkbox):
    """☐-like when off, a ✔ when on."""

    @property
    def BUTTON_INNER(self) -> str:
        return "✔" if self.value else " "


class MarkedRadioButton(RadioButton):
    """Empty when not chosen, a ● when chosen."""

    @property
    def BUTTON_INNER(self) -> str:
        return "●" if self.value else " "
