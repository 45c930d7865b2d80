"""A gradual re-enable says the stages it runs, in its description too. Seen at 80x24 on a
README fleet (real sshd), `steps` typed as 20,100 in the picker: the run's confirmation
read `Stages: 20%, 100%, ...` and then `Does: raise the named flags step by step (5, 25,
50, 100 %)`, the preset's summary filled with the configured default, and the picker's
help above the field said the same while the value was typed."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from tests.cli_fleet import FLAG_PROCEDURE, flag_fleet, reenable_strategies
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    run_confirm_about,
    type_text,
    until,
)

pytestmark = pytest.mark.sshd

DOES = "Does: raise the named flags step by step ({} %), checking health between"


def _one_line(widget: Static) -> str:
    return " ".join(str(widget.render()).split())


async def test_the_does_line_says_the_stages_typed_in_the_picker(sshd_server, tmp_path) -> None:
    files = {"strategies.toml": reenable_strategies(), "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["reenable"], "new_checkout=0\n")
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "fix deployed")
        picker = app.screen
        await pilot.press("space")  # the whole `app` system; its one strategy is chosen
        for _ in range(12):  # Tab on to the `steps` field
            if getattr(app.focused, "name", None) == "steps":
                break
            await pilot.press("tab")
        assert getattr(app.focused, "name", None) == "steps", app.focused
        shown = picker.query_one("#strategy-help", Static)
        assert "step by step (5, 25, 50, 100 %)" in _one_line(shown)
        await pilot.press("ctrl+u")
        await type_text(pilot, "20,100")
        await until(pilot, lambda: "step by step (20, 100 %)" in _one_line(shown))
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ChecklistScreen")
        app.start_run("restore")
        about = await run_confirm_about(pilot)
        await pilot.press("escape")
    assert "With (4): steps=20,100;" in about, about
    assert "Stages: 20%, 100%, each checked on every host" in about, about
    assert DOES.format("20, 100") in about, about
    assert "5, 25" not in about.split("Waves:")[1], about
