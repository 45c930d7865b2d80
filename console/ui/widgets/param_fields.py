"""A strategy's parameters as the picker asks for them: each one's name and description
(configuration text, shown as written), then its input with the default filled in; a
value console.toml's [redact] covers is hidden as it is typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from console.ui.widgets.plain import prose

if TYPE_CHECKING:
    from console.model.strategies import Strategy


def param_fields(
    strategy: Strategy, secret: Callable[[str], bool], values: dict[str, str] | None = None
) -> list[Widget]:
    """The label and input of each parameter (its value from `values`, else its default),
    then the (hidden) note on secrets."""
    widgets: list[Widget] = []
    for param in strategy.params:
        required = " (required)" if param.required else ""
        label = Text(f"{param.name}{required}: ").append_text(prose(param.description))
        widgets.append(Label(label, classes="param-label"))
        value = (values or {}).get(param.name, param.default or "")
        widgets.append(
            Input(
                value=value,
                placeholder=param.type.value,
                name=param.name,
                classes="param",
                compact=True,
                password=secret(value),
            )
        )
    widgets.append(Static("", id="params-secret", classes="muted", markup=False))
    return widgets


def secret_note(hidden: list[str]) -> str:
    return (
        f"{', '.join(hidden)}: a secret ([redact] in console.toml), hidden here and masked in"
        " the record; the hosts get it as typed."
    )
