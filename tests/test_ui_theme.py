"""The theme a user picks is the one the console opens with next time, remembered in a
small file of its own (never written into the team's console.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from console.ui.preferences import Preferences
from tests.test_ui_support import build_app, demo_settings, until


async def test_a_chosen_theme_is_remembered_and_reopened(tmp_path: Path) -> None:
    preferences = Preferences(tmp_path / "state" / "preferences.toml")
    app = build_app(demo_settings(), tmp_path)
    app.preferences = preferences
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "rollback"
        await pilot.pause()
        assert not preferences.path.exists()  # nothing chosen, nothing written
        app.theme = "nord"
        await until(pilot, lambda: preferences.path.exists())
    assert tomllib.loads(preferences.path.read_text()) == {"theme": "nord"}

    again = build_app(demo_settings(), tmp_path)
    again.preferences = preferences
    async with again.run_test(size=(80, 24)):
        assert again.theme == "nord"


async def test_an_unknown_or_broken_preference_falls_back_to_our_theme(tmp_path: Path) -> None:
    path = tmp_path / "preferences.toml"
    for text in ('theme = "no-such-theme"\n', "theme = [not toml\n"):
        path.write_text(text)
        app = build_app(demo_settings(), tmp_path)
        app.preferences = Preferences(path)
        async with app.run_test(size=(80, 24)):
            assert app.theme == "rollback"
