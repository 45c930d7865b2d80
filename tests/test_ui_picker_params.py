"""The picker's parameter inputs get the same check as `run --param`: a value that could
be read as an option is refused on screen, naming the parameter, and nothing is chosen.
A strategy's description is shown as written, never obeyed as markup."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Label, RadioSet, Static

from console.demo.fleet import DemoFleet
from console.model.events import Kind
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.picker import PickerScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    demo_settings,
    until,
)


async def _to_strategies(pilot) -> None:
    """Tab on from the host tree to the strategies' radio set."""
    for _ in range(6):
        if isinstance(pilot.app.focused, RadioSet):
            break
        await pilot.press("tab")
    assert isinstance(pilot.app.focused, RadioSet)


@contextlib.asynccontextmanager
async def _web_picked(tmp_path: Path, reason: str) -> AsyncIterator[Pilot]:
    """The picker at 80x24 on the demo fleet, the whole `web` system selected, the focus
    on the strategies (reached with Tab)."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, reason)
            await pilot.press("space")  # the whole `web` system
            await _to_strategies(pilot)
            yield pilot


async def test_a_path_parameter_that_looks_like_an_option_is_refused(tmp_path: Path) -> None:
    async with _web_picked(tmp_path, "config pushed by mistake") as pilot:
        app = pilot.app
        picker = app.screen
        await pilot.press("down", "down", "enter")  # the third strategy
        await until(pilot, lambda: picker.strategy() == "config-restore")

        def config_dir() -> Input | None:
            return next((i for i in picker.query(Input) if i.name == "config_dir"), None)

        await until(pilot, lambda: config_dir() is not None)
        config_dir().value = "--version"
        await pilot.press("ctrl+s")
        error = picker.query_one("#picker-error")
        await until(pilot, lambda: "starts with '-'" in str(error.render()))
        said = str(error.render())
        assert "parameter 'config_dir': '--version' starts with '-'" in said
        assert "allowed: a path" in said
        assert isinstance(app.screen, PickerScreen)
        assert app.conductor is None  # refused before the declaration was recorded

        config_dir().value = "etc/app"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        conductor = app.conductor
        assert conductor is not None and conductor.state.strategy == "config-restore"
        chosen = [e for e in conductor.recorder.events if e.kind == Kind.STRATEGY_CHOSEN]
        assert [e.data.params["config_dir"] for e in chosen] == ["etc/app"]


async def test_a_description_is_shown_as_written_not_as_markup(tmp_path: Path) -> None:
    """`[prod]` and `[/]` stay on screen (as markup both vanished, and a description
    could restyle the picker); `code` loses its backticks, as in the docs."""
    settings = demo_settings()
    name = settings.inventory.system("web").strategies[0]
    index = next(i for i, s in enumerate(settings.strategies) if s.name == name)
    settings.strategies[index] = settings.strategies[index].replace(
        description="Point `current` at the [prod] release [/] and restart"
    )
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "checkout errors")
            await pilot.press("space")  # the whole `web` system: its first strategy
            shown = app.screen.query_one("#strategy-help", Static)
            await until(pilot, lambda: "release" in str(shown.render()))
            assert str(shown.render()) == "Point current at the [prod] release [/] and restart"


async def test_the_parameter_being_typed_into_is_on_screen_at_80x24(tmp_path: Path) -> None:
    """The side pane scrolls to the focused input: its parameters were clipped below the
    fold, so at 80x24 a value (postgres-wal's recovery_target_name) was typed unseen."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "new checkout fixed")
            picker = app.screen
            await pilot.press("space")
            await _to_strategies(pilot)
            await pilot.press("down", "down", "down", "down", "enter")
            await until(pilot, lambda: picker.strategy() == "feature-reenable")
            await until(pilot, lambda: len(picker.query(".param")) == 4)
            last = list(picker.query(".param").results(Input))[-1]
            for _ in range(20):
                if app.focused is last:
                    break
                await pilot.press("tab")
            assert app.focused is last
            await pilot.pause()
            side = picker.query_one("#picker-side")
            assert side.scroll_y > 0
            assert last.region.height == 1
            assert side.region.contains_region(last.region), (last.region, side.region)


async def test_enter_on_the_strategies_goes_on_as_the_hint_says(tmp_path: Path) -> None:
    """'Enter continues' held on the host tree only: on the strategy list Enter re-chose
    the chosen strategy and nothing happened. Enter on another strategy chooses it (its
    parameters show first); Enter on the chosen one goes on."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "checkout errors")
            picker = app.screen
            await pilot.press("space")  # the whole `web` system: its first strategy
            await _to_strategies(pilot)
            first, second = fleet.settings.inventory.system("web").strategies[:2]
            assert picker.strategy() == first

            # It said "↑ ↓ choose · Enter continues": ↓ moved, and Enter chose, not went on.
            # Then "Enter chooses, Enter again continues" on the chosen one too, where Enter
            # goes on: walked at 80x24 with one strategy, the second Enter the hint asked
            # for confirmed the checklist's first step ("Open the incident bridge").
            def hint() -> str:
                return str(picker.query_one("#picker-hint", Static).render())

            assert "↑ ↓ move · Enter continues with it · Tab" in hint(), hint()
            await pilot.press("down")
            await until(pilot, lambda: "Enter chooses it, Enter again continues" in hint())
            await pilot.press("enter")
            await until(pilot, lambda: picker.strategy() == second)
            assert app.screen is picker  # chosen, its parameters on screen: not gone on
            await until(pilot, lambda: "Enter continues with it" in hint())
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            assert app.conductor is not None and app.conductor.state.strategy == second


async def test_space_then_tab_typed_fast_reaches_the_strategies(tmp_path: Path) -> None:
    """Space on a system brings its strategies; a Tab typed right behind it (one read
    from the terminal) must reach them. Before, the Tab moved the focus before Space's
    binding ran: the Space toggled nothing, the focus went to the filter, and the next
    Space typed a space there that hid every host (seen in tmux at 80x24: an empty tree)."""
    from textual import events

    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "config pushed by mistake")
            picker = app.screen
            app.post_message(events.Key("space", " "))
            app.post_message(events.Key("tab", None))
            await until(pilot, lambda: isinstance(app.focused, RadioSet))
            assert picker.host_tree.selected == {"web-1", "web-2", "web-3"}
            await pilot.press("down", "down", "space")
            await until(pilot, lambda: picker.strategy() == "config-restore")
            picker.query_one("#filter", Input).value = " "  # a stray space hides no host
            await pilot.pause(0.1)
            assert len(picker.host_tree.root.children) == 3  # web, api, db


async def test_a_refused_parameter_is_seen_at_80x24_and_its_field_has_the_cursor(
    tmp_path: Path,
) -> None:
    """The error was the last line of the scrolling side pane: with the strategies and a
    parameter's description above it, below the fold at 80x24. It is drawn on screen now,
    whatever the pane's scroll, and the field at fault has the cursor."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "flag re-enabled too fast")
            picker = app.screen
            await pilot.press("space")  # the whole `web` system
            await _to_strategies(pilot)
            await pilot.press("down", "down", "down", "down", "enter")  # feature-reenable
            await until(pilot, lambda: picker.strategy() == "feature-reenable")

            def field(name: str) -> Input | None:
                return next((i for i in picker.query(Input) if i.name == name), None)

            await until(pilot, lambda: field("max_error_rate") is not None)
            field("max_error_rate").value = "lots"
            # Enter in the field, its last line on the pane's last row (as typed in tmux).
            field("max_error_rate").focus()
            await pilot.pause()
            await pilot.press("enter")
            error = picker.query_one("#picker-error")
            await until(pilot, lambda: "max_error_rate" in str(error.render()))
            await pilot.pause()
            region = error.region
            assert region.height > 0 and app.screen.region.contains_region(region)
            # Drawn there: no pane scrolled over it, nothing covers it.
            assert all(
                app.screen.get_widget_at(x, y)[0] is error
                for y in range(region.y, region.bottom)
                for x in (region.x, region.right - 1)
            )
            assert app.focused is field("max_error_rate")
            at = field("max_error_rate").region  # and in view, under the error's line
            await until(
                pilot, lambda: app.screen.get_widget_at(at.x, at.y)[0] is field("max_error_rate")
            )
            assert isinstance(app.screen, PickerScreen) and app.conductor is None


async def test_the_side_pane_scrolls_to_its_parameters_with_no_stray_scrollbar(
    tmp_path: Path,
) -> None:
    """Seen at 80x24 on a real sshd fleet: a strategy whose parameters run past the pane's
    foot showed its scrollbar's thumb alone, a stray '▄▄' beside the strategies (its track
    is the pane's colour), and its coming narrowed the strategies' list by 2 columns. The
    pane draws none, keeps its width, and still scrolls to each parameter Tab reaches."""
    async with _web_picked(tmp_path, "new checkout broke payments") as pilot:
        app = pilot.app
        picker = app.screen
        side = picker.query_one("#picker-side")
        radios = picker.query_one(RadioSet)
        width = radios.size.width
        await pilot.press("down", "down", "down", "down", "enter")  # feature-reenable
        await until(pilot, lambda: picker.strategy() == "feature-reenable")
        await until(pilot, lambda: side.max_scroll_y > 0)  # its parameters run over
        await pilot.pause(0.1)
        assert side.scrollbar_size_vertical == 0, "no scrollbar drawn"
        assert radios.size.width == width, "the list keeps its width"
        last = list(picker.query(".param").results(Input))[-1]
        for _ in range(8):  # the parameters, one Tab each
            if app.focused is last:
                break
            await pilot.press("tab")
        assert app.focused is last
        await until(pilot, lambda: side.scroll_y > 0)
        await pilot.pause(0.1)
        assert side.region.contains_region(last.region), "Tab scrolled to it"


async def test_the_side_pane_says_more_is_below_its_foot(tmp_path: Path) -> None:
    """Seen at 80x24 on the demo fleet, feature-reenable chosen: its parameters ran past
    the side pane's foot, which draws no scrollbar, and nothing said so. A line at the
    foot says more is below while it is, and goes once the pane is scrolled to its end."""
    async with _web_picked(tmp_path, "new checkout broke payments") as pilot:
        app = pilot.app
        picker = app.screen
        side = picker.query_one("#picker-side")
        more = picker.query_one("#side-more", Label)
        assert not more.display  # version-rollback's parameter fits
        await pilot.press("down", "down", "down", "down", "enter")  # feature-reenable
        await until(pilot, lambda: picker.strategy() == "feature-reenable")
        await until(pilot, lambda: side.max_scroll_y > 0)
        await until(pilot, lambda: bool(more.display))
        await pilot.pause(0.1)
        assert "more below" in str(more.render())
        assert side.region.contains_region(more.region), "at the pane's foot, on screen"
        assert more.region.bottom == side.region.bottom
        last = list(picker.query(".param").results(Input))[-1]
        for _ in range(8):  # the parameters, one Tab each, to the last
            if app.focused is last:
                break
            await pilot.press("tab")
        await until(pilot, lambda: side.scroll_y >= side.max_scroll_y)
        await until(pilot, lambda: not more.display)
        await pilot.pause(0.1)
        assert side.region.contains_region(last.region)


async def _steps_refused(pilot: Pilot) -> Label:
    """feature-reenable chosen, its `steps` typed wrong and Enter pressed: the error line."""
    picker = pilot.app.screen
    await pilot.press("down", "down", "down", "down", "enter")  # feature-reenable
    await until(pilot, lambda: picker.strategy() == "feature-reenable")
    await until(pilot, lambda: any(i.name == "steps" for i in picker.query(Input)))
    steps = next(i for i in picker.query(Input) if i.name == "steps")
    steps.focus()
    steps.value = "5,lots"
    await pilot.press("enter")
    return picker.query_one("#picker-error", Label)


async def test_a_parameters_error_is_checked_again_as_its_field_is_edited(
    tmp_path: Path,
) -> None:
    """Seen at 80x24 on the demo fleet: `steps` refused on Enter, then corrected to '100',
    and the line still said "✘ parameter 'steps': ... is not text matching ..." until Enter
    again. The field at fault is checked again as it is typed: its error follows the value
    and goes once the value is good; the hint line is back."""
    async with _web_picked(tmp_path, "flag re-enabled too fast") as pilot:
        app = pilot.app
        picker = app.screen
        error = await _steps_refused(pilot)
        hint = picker.query_one(".hint-line", Static)
        await until(pilot, lambda: "'5,lots'" in str(error.render()))
        assert error.display and not hint.display
        # in words, not the pattern: 'is not text matching [0-9]{1,3}(,[0-9]{1,3})*'
        said = " ".join(str(error.render()).split())
        assert "'5,lots' is not percentages joined by commas, no spaces (5,25,50,100)" in said
        await pilot.press("end", "backspace", "backspace", "backspace", "backspace")
        await until(pilot, lambda: "'5,'" in str(error.render()))  # still wrong: said as it is
        await pilot.press("1", "0", "0")
        await until(pilot, lambda: not error.display)
        assert hint.display and str(error.render()) == ""
        assert isinstance(app.screen, PickerScreen) and app.conductor is None


async def test_another_strategy_takes_the_error_of_the_one_left_with_it(tmp_path: Path) -> None:
    """Seen at 80x24 on a README fleet: `revision` refused, then another strategy chosen,
    and the line still said "✘ parameter 'revision': ..." under that strategy's fields,
    which have no `revision`. The error names a field of the strategy left: it goes."""
    async with _web_picked(tmp_path, "flag re-enabled too fast") as pilot:
        app = pilot.app
        picker = app.screen
        error = await _steps_refused(pilot)
        await until(pilot, lambda: "'5,lots'" in str(error.render()))
        await _to_strategies(pilot)
        await pilot.press("up", "enter")  # the strategy above it
        await until(pilot, lambda: picker.strategy() not in (None, "feature-reenable"))
        await until(pilot, lambda: not error.display)
        assert str(error.render()) == "" and picker.query_one(".hint-line", Static).display


async def test_a_system_that_lists_no_strategies_is_said_to_at_80x24(tmp_path: Path) -> None:
    """A system whose `strategies` list is empty (written from `init`, the line left
    empty) was refused as 'No strategy applies to all of these systems: pick fewer', with
    one system picked: there is nothing fewer to pick; the inventory is what to change."""
    settings = demo_settings()
    index = next(i for i, s in enumerate(settings.inventory.systems) if s.name == "web")
    settings.inventory.systems[index] = settings.inventory.systems[index].replace(strategies=[])
    settings = settings.replace(drills=type(settings.drills)())  # name web's
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "checkout errors")
            picker = app.screen
            await pilot.press("space")  # the whole `web` system
            # The side pane says so as it is picked (it read "Select systems to see ...").
            shown = picker.query_one("#strategy-help", Static)
            await until(pilot, lambda: "inventory.toml" in str(shown.render()))
            assert str(shown.render()) == (
                "web lists no strategies in inventory.toml: name the ones that may roll it"
                " back there."
            )
            await pilot.press("enter")  # go on: refused
            error = picker.query_one("#picker-error")
            await until(pilot, lambda: "inventory.toml" in str(error.render()))
            assert str(error.render()) == (
                "✘ web lists no strategies in inventory.toml: name the ones that may roll it"
                " back there."
            )
            assert isinstance(app.screen, PickerScreen) and app.conductor is None
