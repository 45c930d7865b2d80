"""P on the checklist: every command a step would send, per host, and nothing sent."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.templates import RenderedCommand, alike
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.command_preview import CommandPreview
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)


def test_hosts_with_the_same_commands_are_shown_together() -> None:
    same = [("action", RenderedCommand("systemctl restart web", "systemctl restart web"))]
    other = [("action", RenderedCommand("cd /srv/b && x", "cd /srv/b && x"))]
    per_host = {"web-1": same, "web-2": other, "web-3": same}
    assert alike(per_host) == [(["web-1", "web-3"], same), (["web-2"], per_host["web-2"])]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    return populated_app(tmp_path, monkeypatch)


async def test_p_shows_the_rendered_commands_and_sends_nothing(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("checklist")
        await pilot.pause()
        events = len(app.conductor.recorder.events)
        app.screen.select_step("restore")
        await pilot.press("p")
        assert isinstance(app.screen, CommandPreview)
        shown = str(app.screen.query_one("#commands-text", Static).render())
        assert "On web-1, web-2, web-3  (3 hosts)" in shown
        for stage in ("precheck", "action", "verify"):
            assert f"\n  {stage}\n" in shown
        assert "target=previous" in shown  # the chosen strategy's checked parameter
        await pilot.press("escape")
        assert isinstance(app.screen, ChecklistScreen)
        assert len(app.conductor.recorder.events) == events  # nothing was sent or recorded


async def test_p_on_a_manual_step_is_not_offered_and_shows_nothing(app) -> None:
    """A manual step sends nothing: p is not in its footer (ac23130), and does nothing."""
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("checklist")
        await pilot.pause()
        app.screen.select_step("open-bridge")
        await pilot.pause()
        assert not app.screen.check_action("preview", ())
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen) and not app._notifications


async def _restore_previewed(pilot) -> Static:
    """The checklist's restore step previewed (p), once its long lines are folded: the
    preview's text."""
    from console.ui.screens.command_preview import GOES_ON

    app = pilot.app
    app.attach(app.prepared)
    await app.push_screen("checklist")
    await pilot.pause()
    app.screen.select_step("restore")
    await pilot.press("p")
    assert isinstance(app.screen, CommandPreview)
    text = app.screen.query_one("#commands-text", Static)
    await until(pilot, lambda: GOES_ON in str(text.render()))
    return text


async def test_a_line_too_long_for_the_dialog_goes_on_under_a_mark(app) -> None:
    """At 80x24 the preview cut each long shell line at the dialog's edge, nothing saying
    there was more (it scrolled sideways): now it goes on under itself after `↪`, in the
    indent no command line starts in, and every line fits the dialog."""
    from rich.cells import cell_len

    from console.model.visible import visible
    from console.ui.screens.command_preview import GOES_ON, INDENT

    async with app.run_test(size=(80, 24)) as pilot:
        text = await _restore_previewed(pilot)
        box = app.screen.query_one("#commands")
        width = box.scrollable_content_region.width
        shown = str(text.render()).splitlines()
        assert max(map(cell_len, shown)) <= width, (width, shown)
        assert box.max_scroll_x == 0  # nothing off to the side
        # Joined again at the marks, the lines are the commands as they are sent.
        joined: list[str] = []
        for line in shown:
            if line.startswith(GOES_ON):
                joined[-1] += line[len(GOES_ON) :]
            else:
                joined.append(line)
        sent = [
            INDENT + line
            for commands in app.conductor.preview("restore").values()
            for _, command in commands
            for line in visible(command.shown.strip()).splitlines()
        ]
        assert [line for line in sent if cell_len(line) > width], "no line long enough"
        assert all(line in joined for line in sent)
        await pilot.press("escape")


async def test_a_long_line_goes_on_at_a_space_not_mid_word(app) -> None:
    """Seen in the README's screenshot of the preview: `sh bin/restart  # a retry in the
    same incident: no second release back, its undo ke` then `↪ pt`: a line folded at the
    dialog's edge, mid-word. It goes on after the last space that fits (the run's
    confirmation folds so), cut mid-word only where one word is wider than the dialog."""
    from console.ui.screens.command_preview import GOES_ON

    async with app.run_test(size=(80, 24)) as pilot:
        text = await _restore_previewed(pilot)
        shown = str(text.render()).splitlines()
        await pilot.press("escape")
    folds = [
        (line, after[len(GOES_ON) :])
        for line, after in pairwise(shown)
        if after.startswith(GOES_ON)
    ]
    assert folds, "no line long enough to fold"
    at_a_space = [line.endswith(" ") or after.startswith(" ") for line, after in folds]
    cut = [fold for fold, spaced in zip(folds, at_a_space, strict=True) if not spaced]
    assert not cut, cut
