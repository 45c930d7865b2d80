"""The trigger screen of a configuration with no triggers.toml (what `init` writes) at
80x24: its hint is one line. Seen: "No probe watches for automatic triggers
(triggers.toml): declare one by hand" with "below." alone on a second line."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from console.model.loading import load_settings
from console.paths import example_config
from console.ui.screens.trigger import TriggerScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)


async def test_no_triggers_hint_is_one_line_at_80x24(tmp_path: Path) -> None:
    settings = load_settings(example_config())
    assert not settings.triggers.triggers  # init's configuration watches for none
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        summary = app.screen.query_one("#auto-summary", Static)
        await until(pilot, lambda: summary.region.height > 0)
        said = " ".join(str(summary.render()).split())
        assert summary.region.height == 1, (summary.region, said)
        assert said == "No automatic trigger watches here (triggers.toml): declare one below."
