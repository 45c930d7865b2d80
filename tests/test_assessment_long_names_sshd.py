"""The assessment's hosts, a line per value, fit 80 columns whatever their names: walked
at 80x24 on a README fleet of 200 real sshd hosts named like
`checkout-frontend-eu-west-1b-prod-002`, the verify's reassessment read `64:
checkout-frontend-eu-we` on three rows and `1: checkout-frontend-eu-wes` on three more,
the names cut at the screen's edge where every one reads alike (the rest reachable only by
scrolling the table sideways, a key the footer does not show). The names are now cut in
their middle, apart from the other hosts' (`1: checkout-f…a-prod-012`), one name where
two leave too little. Real sshd, the follow view at 80x24."""

from __future__ import annotations

from textual.widgets import DataTable

from console.model.clock import FixedClock
from console.ui.follow import make_follow_app
from console.ui.screens.assessment import AssessmentScreen
from tests.test_steps_sshd import close, conductor_for, pytestmark, settings_for
from tests.test_ui_support import START, until

__all__ = ["pytestmark"]

NAMES = [f"checkout-frontend-eu-west-1{'abc'[n % 3]}-prod-{n:03d}" for n in range(1, 13)]


async def test_long_host_names_fit_cut_apart(sshd_server, tmp_path):
    settings, sandboxes = settings_for(sshd_server, dict.fromkeys(NAMES, "web"))
    odd = NAMES[-1]  # one host is on the release before
    current = sandboxes[odd] / "current"
    before = sorted(p.name for p in (sandboxes[odd] / "releases").iterdir())[-2]
    current.unlink()
    current.symlink_to(f"releases/{before}")
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web"])
        await conductor.run_step("assess-state")
    finally:
        await close(conductor)
    app = make_follow_app(tmp_path / "incident" / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: app.screen is app.get_screen("execution"))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, AssessmentScreen))
        table = app.screen.query_one("#assessment", DataTable)
        await until(pilot, lambda: table.row_count > 0)
        await pilot.pause(0.2)
        cells = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        lines = [s.text for s in app.screen._compositor.render_strips()]
        # on main: 131 cells wide in 76, the names cut at the edge
        assert table.virtual_size.width <= table.scrollable_content_region.width, lines
    at = next(i for i, row in enumerate(cells) if row[0].endswith("release"))
    most, odd_one = cells[at][2], cells[at + 1][2]
    assert most.startswith("11: checkout") and most.endswith(" +10"), cells
    assert "…" in most and "-prod-001" in most, cells  # cut in its middle, its end kept
    assert odd_one.startswith("1: checkout") and odd_one.endswith("-prod-012"), cells
