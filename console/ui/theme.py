"""Our own theme: calm dark colours with strong, distinct status hues."""

from __future__ import annotations

from textual.theme import BUILTIN_THEMES, Theme

from console.model.problems import Finding, did_you_mean
from console.model.settings import Settings

ROLLBACK_THEME = Theme(
    name="rollback",
    primary="#5fa8d3",
    secondary="#8fb8de",
    accent="#e0b44c",
    foreground="#e6e6e6",
    background="#15191e",
    surface="#1d2329",
    panel="#26303a",
    success="#6cc07a",
    warning="#e0b44c",
    error="#ef6b6b",
    dark=True,
    variables={
        "footer-key-foreground": "#e0b44c",
        "block-cursor-text-style": "bold",
        "input-selection-background": "#5fa8d3 35%",
    },
)


def theme_findings(settings: Settings) -> list[Finding]:
    """console.toml's theme, if it names none: a warning (the console opens in ours)."""
    theme = settings.console.theme
    names = sorted({*BUILTIN_THEMES, ROLLBACK_THEME.name})
    if theme is None or theme in names:
        return []
    message = f"no theme {theme!r}{did_you_mean(theme, names)}: the console opens in 'rollback'"
    return [Finding("console", ("theme",), message, warning=True)]
