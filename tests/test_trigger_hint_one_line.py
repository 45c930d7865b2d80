"""The trigger screen of a configuration with no triggers.toml (what `init` writes) at
80x24: its hint is one line. Seen: "No probe watches for automatic triggers
(triggers.toml): declare one by hand" with "below." alone on a second line."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from console.demo.fleet import DemoFleet
from console.model.loading import load_settings
from console.paths import example_config
from console.ui.screens.proposal import ProposalDialog
from console.ui.screens.trigger import TriggerScreen
from tests.test_ui_proposals import api_auto, declaring_when_it_fires
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    type_text,
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


def test_a_dismissal_reason_cut_keeps_its_quote_closed() -> None:
    """Walked at 80x24: '1 fired, dismissed (“handled by the headless run …): declare one
    by hand below.', the closing quote cut off with the reason."""
    from console.ui.screens.trigger import quoted_cut

    said = quoted_cut(["handled by the headless run of 13:40, see its journal"])
    assert said == "“handled by the headless run…”", said  # 30 cells, not 31
    assert quoted_cut(["canary flapping [OPS-7]"]) == "“canary flapping [OPS-7]”"
    assert quoted_cut(["a", "b"], 9) == "“a”; “b”"  # both whole: nothing added
    assert quoted_cut(["abc", "defgh"], 8) == "“abc”; …"  # cut between them: none open


async def test_a_dismissal_is_said_on_one_line_at_80x24(tmp_path: Path) -> None:
    """Walked (the reviewer, Pilot at 80x24, a trigger dismissed with a long reason): '1
    fired, dismissed (“handled by the headless run …”): declare one by hand below.' is 81
    characters in a summary 76 cells wide: two rows, and the body's last row (where a
    refusal is said) pushed out of sight. The reasons are cut to the row's room."""
    async with DemoFleet(api_auto(3600)) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await declaring_when_it_fires(pilot, "checkout errors")
            await pilot.press("ctrl+t")
            await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
            await pilot.press("down", "enter")  # dismiss
            await type_text(pilot, "handled by the headless run of 13:40, see its journal")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            summary = app.screen.query_one("#auto-summary", Static)
            said = lambda: " ".join(str(summary.render()).split())  # noqa: E731
            await until(pilot, lambda: said().startswith("1 fired, dismissed (“handled"))
            await until(pilot, lambda: summary.region.height > 0)
            assert summary.region.height == 1, (summary.region, said())
            assert said().endswith("…”): declare one by hand below."), said()
