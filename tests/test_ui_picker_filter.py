"""A filtered picker selects what it shows: Space on a system narrowed by a tag takes the
hosts on screen, not the ones the filter hid, and the system's line says how many it shows."""

from __future__ import annotations

from pathlib import Path

from console.ui.screens.picker import PickerScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    demo_settings,
    type_slowly,
    type_text,
    until,
)


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def filtered(pilot, needle: str, hidden: str, typing=type_text) -> PickerScreen:
    """The picker of a new declaration, its filter typed `needle` (`hidden` gone)."""
    app = pilot.app
    await declare_and_pick(pilot, f"bad deploy: {needle}")
    picker = app.screen
    assert isinstance(picker, PickerScreen)
    await pilot.press("ctrl+f")
    await typing(pilot, needle)
    await until(pilot, lambda: not any(hidden in line for line in screen_lines(app)))
    return picker


async def test_space_on_a_system_under_a_tag_filter_takes_only_the_hosts_shown(
    tmp_path: Path,
) -> None:
    """Seen at 80x24 on 200 hosts: filtered to eu_west, Space on `web` selected its 120
    hosts, the 60 of us_east hidden by the filter among them."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await filtered(pilot, "eu-west", "web-3", type_slowly)  # key by key
        await pilot.press("enter")  # back to the systems, the cursor on `web`
        await until(pilot, lambda: app.focused is picker.host_tree)
        await pilot.press("space")
        await until(pilot, lambda: bool(picker.host_tree.selected))
        assert picker.host_tree.selected == {"web-1", "web-2"}
        lines = screen_lines(app)
        assert not any("web-3" in line for line in lines)
        web = next(line for line in lines if "web  " in line)
        assert "2/3 hosts, 2 shown" in web, web
        assert any("Selected: 2 host(s) in web" in line for line in lines), lines
        # Space again lets go of those two.
        await pilot.press("space")
        await until(pilot, lambda: not picker.host_tree.selected)


async def test_space_typed_right_behind_the_filters_enter_toggles_the_system(
    tmp_path: Path,
) -> None:
    """Seen in tmux at 80x24: `web`, Enter and Space typed in one go; the Space went into
    the filter (Enter's move to the systems came after it), and nothing was selected."""
    from textual import events

    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await filtered(pilot, "api", "web-1")
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("space", " "))
        await until(pilot, lambda: bool(picker.host_tree.selected))
        assert picker.host_tree.selected == {"api-1", "api-2"}
        assert picker.query_one("#filter").value == "api"


async def test_a_filter_typed_right_behind_its_key_keeps_its_first_character(
    tmp_path: Path,
) -> None:
    """Seen in tmux at 80x24 on 200 hosts: Ctrl+F and `api` typed in one go showed `pi`
    in the filter (Home showed nothing before it): the `a` went to the systems, the focus
    reaching the filter only after it."""
    from tests.test_ui_typeahead import burst, typed

    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "bad deploy: filter typed ahead")
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        burst(app, "ctrl+f", "'api'")
        await typed(pilot)
        assert picker.query_one("#filter").value == "api"
        await pilot.press("home")
        await typed(pilot)
        assert picker.query_one("#filter").value == "api"
        assert any(line.strip() == "api" for line in screen_lines(app)[:3])
