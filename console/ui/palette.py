"""Colours for the console's own Rich text, from the theme in use: never a hex in the UI.

Styles are written with the theme's variable names, as in app.tcss (`"bold $error"`),
and resolved when drawn, so a theme chosen in the palette recolours statuses as well.
"""

from __future__ import annotations

import re

from textual import active_app
from textual.theme import Theme

from console.ui.theme import ROLLBACK_THEME

ROLES = ("primary", "secondary", "accent", "warning", "error", "success")
_VARIABLE = re.compile(r"\$(" + "|".join(ROLES) + r")\b")
_COLOURS: dict[tuple[str, int], dict[str, str]] = {}


def themed(style: str) -> str:
    """`style` with each `$role` replaced by the current theme's colour for it."""
    if "$" not in style:
        return style
    try:
        theme = active_app.get().current_theme
    except LookupError:  # no app running (a test, an export): the console's own theme
        theme = ROLLBACK_THEME
    colours = _colours(theme)
    return _VARIABLE.sub(lambda m: colours[m.group(1)], style)


def _colours(theme: Theme) -> dict[str, str]:
    key = (theme.name, id(theme))
    if key not in _COLOURS:
        system = theme.to_color_system()  # the theme's colours; a role it omits, derived
        _COLOURS[key] = {role: getattr(system, role).hex for role in ROLES}
    return _COLOURS[key]
