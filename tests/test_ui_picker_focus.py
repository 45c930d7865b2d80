"""The picker says where the keys go: the line under its panes names the pane that has
the focus (the systems, the filter, the strategy, a parameter) and what the keys do there,
the tree's divider is marked while it has them, and the filter keeps its placeholder."""

from __future__ import annotations

from pathlib import Path

from console.ui.screens.picker import PickerScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    demo_settings,
    until,
)


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_the_line_under_the_panes_names_the_pane_with_the_keys(tmp_path: Path) -> None:
    """Seen at 80x24: after Tab / Shift+Tab nothing said which pane had the focus, and the
    line under the panes said "Space toggles · Enter continues" wherever the keys went."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "bad deploy")
        await pilot.press("space")  # web: its strategies and their parameters come
        await until(pilot, lambda: bool(app.screen.query(".strategies")))
        tree = app.screen.query_one("#tree")
        divider = tree.styles.border_right[1]
        seen = []
        for key in ("tab", "tab", "shift+tab", "shift+tab", "shift+tab"):
            seen.append((type(app.focused).__name__, screen_lines(app)[-2].strip()))
            await pilot.press(key)
            await pilot.pause(0.1)
        seen.append((type(app.focused).__name__, screen_lines(app)[-2].strip()))
        assert isinstance(app.screen, PickerScreen)
        assert [(w, h.split("  ")[0]) for w, h in seen] == [
            ("HostTree", "▸ Systems"),
            ("ChoiceThenEnter", "▸ Strategy"),
            ("Input", "▸ Parameter target"),
            ("ChoiceThenEnter", "▸ Strategy"),
            ("HostTree", "▸ Systems"),
            ("FieldInput", "▸ Filter"),
        ], seen
        assert "Space toggles · Enter continues" in seen[0][1]
        assert "type a name or tag to narrow" in seen[-1][1]
        # The filter, focused, still shows what it takes.
        assert any("ilter by name or tag, e.g. web, eu-west" in line for line in screen_lines(app))
        # The tree's divider is marked while the tree has the keys, not after.
        assert tree.styles.border_right[1] != divider
