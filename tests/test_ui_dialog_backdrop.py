"""What is behind a dialog stays behind it. At 80x24 the drills confirmation (70 columns)
left 5 columns either side where the screen behind showed through ModalScreen's backdrop
(then 70 %) at a contrast of 2.25:1, in tmux's 256 colours grey 239 on black: a stray `,`
and bits of scenario names read as if they were the dialog's. Now what is behind is a
ghost, under 1.5:1 (text meant to be read is 3:1 and more), in true colour and as a
256-colour terminal shows it, at 80x24 and larger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.strip import Strip

from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.drills import DrillsScreen
from console.ui.screens.help import HelpScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    until,
)

FAINT = 1.5  # WCAG contrast: under it a character is a ghost, not something to read


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: RichColor, bg: RichColor) -> float:
    """WCAG's ratio, the higher of true colour's and of the 256 colours tmux shows."""

    def ratio(a: RichColor, b: RichColor) -> float:
        hi, lo = sorted((_luminance(Color.from_rich_color(c)) for c in (a, b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    def eight(c: RichColor) -> RichColor:
        return RichColor.from_triplet(c.downgrade(ColorSystem.EIGHT_BIT).get_truecolor())

    return max(ratio(fg, bg), ratio(eight(fg), eight(bg)))


def behind(app: App) -> Iterator[tuple[int, int, str, Style | None]]:
    """Each cell where the screen behind the dialog shows: where, its character, its style."""
    screen = app.screen
    assert isinstance(screen, ModalScreen)
    update = screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    for y, line in enumerate(update.strips):  # type: ignore[attr-defined]
        x = 0
        for segment in Strip.join(line):
            for char in segment.text:
                if screen.get_widget_at(x, y)[0] is screen:
                    yield x, y, char, segment.style
                x += 1


def legible_behind(app: App) -> list[tuple[int, int, str, float]]:
    """Each character of the screen behind that can be read beside the dialog: where,
    which, and its contrast with its cell's background."""
    return [
        (x, y, char, round(seen, 2))
        for x, y, char, style in behind(app)
        if char.strip() and style and style.color and style.bgcolor
        if (seen := contrast(style.color, style.bgcolor)) >= FAINT
    ]


async def _drill_confirmation(pilot: Pilot) -> None:
    await pilot.press("d")
    await until(pilot, lambda: isinstance(pilot.app.screen, DrillsScreen))
    await pilot.press("down", "down", "enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))


async def _help_over_home(pilot: Pilot) -> None:
    await pilot.press("f1")
    await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))


@pytest.mark.parametrize(
    ("size", "opened"),
    [
        ((80, 24), _drill_confirmation),
        ((120, 36), _drill_confirmation),
        ((80, 24), _help_over_home),  # over the alert's colours and the accent's yellow
    ],
)
async def test_nothing_behind_a_dialog_reads_beside_it(tmp_path: Path, size, opened) -> None:
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=size) as pilot:
        await opened(pilot)
        await pilot.pause(0.1)
        ghost = "".join(char for _, _, char, _ in behind(app))
        assert ghost.strip(), "the screen behind is there, drawn under the backdrop"
        assert legible_behind(app) == []
