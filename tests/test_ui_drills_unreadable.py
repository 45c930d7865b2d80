"""A drill journal that cannot be read, or a pass dated after now, in the console at
80x24: `drill --status`, --due and --gate say each on stderr (the schedule does not count
it), and the gate closes on an unreadable one written after its pass; the console's home
screen and drills screen said nothing, 'web-release ✔ ok' beside a failed drill they
could not read, 'api-breach ▲ OVERDUE' beside a pass dated ahead (reviewed, helper-154)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from console.ui.screens.drills import DrillsScreen
from tests.test_ui_drills import past_drill
from tests.test_ui_support import _close_engines, build_app, demo_settings, until  # noqa: F401


async def test_the_console_says_a_journal_it_cannot_read(tmp_path: Path) -> None:
    root = tmp_path / "incidents"
    past_drill(root, "good", "web-release", days_ago=3, passed=True)
    past_drill(root, "bad", "web-release", days_ago=1, passed=False)
    past_drill(root, "ahead", "api-breach", days_ago=-2, passed=True, systems=("api",))
    bad = root / "bad" / "journal.jsonl"
    bad.write_bytes(bad.read_bytes().replace(b'"kind":"drill.judged"', b'"kind#"drill.judged"'))
    app = build_app(demo_settings(), root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = str(app.screen.query_one("#home-hint", Label).render())
        assert home.endswith("▲ 4 drill(s) OVERDUE, 2 not counted · d"), home
        assert len(home) <= app.screen.query_one("#home-hint", Label).size.width  # not cut
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
        label = app.screen.query_one("#drills-hint", Label)
        hint = str(label.render())
        assert f"warning: {bad} cannot be read (line 2: " in hint, hint
        assert (
            "a drill it records is not counted; repair it, or move it out of the incidents"
            " directory\nwarning: the api-breach drill that passed "
        ) in hint, hint
        assert hint.endswith("it is not counted until then; is this host's clock right?"), hint
        assert label.size.height >= 6, label.size  # wrapped at 80 columns, not cut
