"""A checkbox and a radio button whose state shows as a mark, not as a colour alone.

Textual draws the same glyph on and off and tells them apart by colour; under stress,
on a dim terminal or with NO_COLOR, that can be misread. Here an empty button is off.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


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
