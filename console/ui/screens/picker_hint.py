"""The line under the picker's panes: which one has the keys, and what they do there."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, RadioSet

from console.ui.palette import themed
from console.ui.widgets.toggles import ChoiceThenEnter


def keys_hint(focused: Widget, filter_key: str) -> Text:
    """The line under the panes: which one has the keys (the systems, the filter, the
    strategy, a parameter), marked as its pane's focus is, and what they do there."""
    if isinstance(focused, Input) and focused.id == "filter":
        where, keys = "Filter", "type a name or tag to narrow · Enter back to the systems"
    elif isinstance(focused, Input):
        where, keys = (
            f"Parameter {focused.name}",
            "type its value · Enter continues · Tab moves on",
        )
    elif isinstance(focused, RadioSet):  # Enter goes on from the chosen one: said so
        goes_on = isinstance(focused, ChoiceThenEnter) and focused.goes_on()
        enter = "Enter continues with it" if goes_on else "Enter chooses it, Enter again continues"
        where, keys = "Strategy", f"↑ ↓ move · {enter} · Tab moves on"
    else:
        where, keys = (
            "Systems",
            f"Space toggles · Enter continues · Tab moves on · {filter_key} filter",
        )
    return Text.assemble((f"▸ {where}", themed("bold $accent")), f"  {keys}")
