"""The theme a user picks is the one the console opens with next time: written as
console.toml's `theme` line (every other line kept), or, where the configuration is not
theirs to write, in a small preferences file of the console's own."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from console.model.loading import load_settings
from console.paths import demo_config
from console.ui.preferences import Preferences, ThemeChoice
from tests.console_process import console
from tests.test_ui_support import build_app, demo_settings, until

EXAMPLE = Path(__file__).parent.parent / "config" / "example" / "console.toml"


def configuration(tmp_path: Path) -> Path:
    """The demo's configuration with the example's commented console.toml."""
    config = tmp_path / "config"
    # the demo's drills inject demo faults: errors anywhere but in the demo itself
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    shutil.copy(EXAMPLE, config / "console.toml")
    return config


def choice_for(config: Path, state: Path) -> ThemeChoice:
    settings = load_settings(config)
    return ThemeChoice(
        Preferences(state / "preferences.toml"),
        settings.directory / "console.toml",
        settings.console.theme,
    )


async def test_a_chosen_theme_is_written_into_console_toml_and_reopened(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    written = config / "console.toml"
    before = written.read_text()
    app = build_app(demo_settings(), tmp_path)
    app.theme_choice = choice_for(config, tmp_path / "state")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "rollback"
        await pilot.pause()
        assert written.read_text() == before  # nothing chosen, nothing written
        app.theme = "nord"
        await until(pilot, lambda: "nord" in written.read_text())
    after = written.read_text().splitlines()
    added = [line for line in after if line not in before.splitlines()]
    assert added == ['theme = "nord"']  # every comment and key as it was
    assert len(after) == len(before.splitlines()) + 1
    assert tomllib.loads(written.read_text())["theme"] == "nord"
    assert not (tmp_path / "state" / "preferences.toml").exists()

    again = build_app(demo_settings(), tmp_path)
    again.theme_choice = choice_for(config, tmp_path / "state")
    async with again.run_test(size=(80, 24)) as pilot:
        assert again.theme == "nord"
        again.theme = "gruvbox"
        await until(pilot, lambda: "gruvbox" in written.read_text())
    themes = [line for line in written.read_text().splitlines() if line.startswith("theme")]
    assert themes == ['theme = "gruvbox"']  # the line replaced, not another added


async def test_a_read_only_console_toml_is_left_alone(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    written = config / "console.toml"
    written.chmod(0o444)
    before = written.read_bytes()
    choice = choice_for(config, tmp_path / "state")
    app = build_app(demo_settings(), tmp_path)
    app.theme_choice = choice
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "nord"
        await until(pilot, lambda: choice.preferences.path.exists())
    assert written.read_bytes() == before
    assert tomllib.loads(choice.preferences.path.read_text()) == {"theme": "nord"}


async def test_the_demo_remembers_in_the_state_dir(tmp_path: Path) -> None:
    preferences = Preferences(tmp_path / "state" / "preferences.toml")
    app = build_app(demo_settings(), tmp_path)
    app.theme_choice = ThemeChoice(preferences)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "nord"
        await until(pilot, lambda: preferences.path.exists())
    assert tomllib.loads(preferences.path.read_text()) == {"theme": "nord"}

    again = build_app(demo_settings(), tmp_path)
    again.theme_choice = ThemeChoice(preferences)
    async with again.run_test(size=(80, 24)):
        assert again.theme == "nord"


async def test_an_unknown_or_broken_preference_falls_back_to_our_theme(tmp_path: Path) -> None:
    path = tmp_path / "preferences.toml"
    for text in ('theme = "no-such-theme"\n', "theme = [not toml\n"):
        path.write_text(text)
        app = build_app(demo_settings(), tmp_path)
        app.theme_choice = ThemeChoice(Preferences(path))
        async with app.run_test(size=(80, 24)):
            assert app.theme == "rollback"


def test_an_unknown_theme_in_console_toml_is_a_warning_naming_its_line(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    written = config / "console.toml"
    written.write_text('theme = "nrod"\n' + written.read_text())
    checked = console("check-config", str(config), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    want = (
        f"warning: {written}:1: theme: no theme 'nrod' (did you mean 'nord'?):"
        " the console opens in 'rollback'"
    )
    assert want in checked.stderr.splitlines(), checked.stderr


async def test_a_theme_is_never_written_through_a_link_planted_beside_console_toml(
    tmp_path: Path,
) -> None:
    """A team's configuration directory (2770) where another account had planted
    `.console.toml.tmp` -> this account's private file: picking a theme wrote the new
    console.toml into that file, gave it console.toml's mode, and made console.toml that
    link. The file written beside it is a new one of a name nobody foresees."""
    from tests.test_planted_links import PRIVATE, planted, private_file, team_dir

    team, other = team_dir(tmp_path)
    config = configuration(tmp_path)
    for found in config.iterdir():
        shutil.move(found, team / found.name)
    written = team / "console.toml"
    victim = private_file(tmp_path)
    planted(team / ".console.toml.tmp", victim, other)
    app = build_app(demo_settings(), tmp_path)
    app.theme_choice = choice_for(team, tmp_path / "state")
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "nord"
        await until(pilot, lambda: "nord" in written.read_text())
    assert victim.read_text() == PRIVATE
    assert not written.is_symlink() and tomllib.loads(written.read_text())["theme"] == "nord"
    assert (team / ".console.toml.tmp").is_symlink()  # the other's link, untouched
