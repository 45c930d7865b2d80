"""The picker says where the keys go: the line under its panes names the pane that has
the focus (the systems, the filter, the strategy, a parameter) and what the keys do there,
the tree's divider is marked while it has them, and the filter keeps its placeholder; keys
typed in one go act on the list the commander sees; a [keymap] moves the lists' keys."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import Input

from console.model.settings import ConsoleOptions
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


# Keys typed in one go on the picker act on the list the commander sees: a key that asks
# the screen for more than its widget does at once (Space bringing the strategies that
# apply, Tab moving to them, a strategy's Space bringing its parameters) holds the keys
# behind it until the screen has done it (ui/key_turns.py `hold_keys`).
CHARACTERS = {"space": " ", "tab": "\t"}


def burst(app, *keys: str) -> None:
    """`keys` as a terminal delivers a paste or a fast typist's keys: all at once."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key)))


async def test_keys_typed_in_one_go_choose_the_strategy_seen(tmp_path: Path) -> None:
    """Seen in tmux at 80x24: Space Tab End Space typed in one go sent End and Space to the
    systems (the strategies not mounted yet): the system went off again and the console
    crashed (IndexError in the strategy list it was removing); typed ~0.3 s after Tab on a
    loaded jump host, the default strategy stood. Then a Tab typed behind a strategy's
    Space went into the parameters of the strategy it replaced, as they were removed."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "bad deploy")
        screen = app.screen
        burst(app, "space", "tab", "end", "space", "tab")  # web, its last strategy, on
        await until(pilot, lambda: isinstance(app.focused, Input))
        await pilot.pause()
        assert screen.systems() == ["web"]
        assert screen.strategy() == "feature-reenable"
        assert app.focused.is_attached and app.focused.name == "flags", app.focused
        assert "▸ Parameter flags" in str(screen.query_one("#picker-hint").render())


async def test_a_keymap_moves_home_and_end_in_the_pickers_lists(tmp_path: Path) -> None:
    """Home, End, PgUp and PgDn of the picker's lists had no binding id (the strategies'),
    or were read as keys outright (the systems'): a [keymap] moving `list.last`, as it
    moves it in every other list, did nothing there."""
    keymap = {"list.last": "ctrl+e", "list.first": "ctrl+b"}
    settings = demo_settings()
    settings = settings.replace(console=ConsoleOptions(keymap=keymap))
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "bad deploy")
        screen = app.screen
        tree = screen.host_tree
        await pilot.press("ctrl+e")  # the systems' last row: db's last host
        assert tree.cursor_node is not None and tree.cursor_node.data == ("host", "db-2")
        await pilot.press("ctrl+b", "space", "tab")  # back to web, picked; its strategies
        await until(pilot, lambda: bool(screen.strategy()))
        await pilot.press("ctrl+e", "space")
        await until(pilot, lambda: screen.strategy() == "feature-reenable")
        await pilot.press("ctrl+b", "space")
        await until(pilot, lambda: screen.strategy() == "version-rollback")
