"""The assessment's title for one host, gathered over real OpenSSH and shown at 80x24: a
legend "● differs between hosts" read as if there were hosts to differ from."""

from __future__ import annotations

from textual.widgets import DataTable, Label

from console.model.clock import FixedClock
from console.ui.follow import make_follow_app
from tests.test_steps_sshd import close, conductor_for, pytestmark, settings_for
from tests.test_ui_support import START, open_assessment, until

__all__ = ["pytestmark"]


async def _title(journal) -> str:
    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_assessment(app, pilot)
        await until(pilot, lambda: app.screen.query("#assess-title"))
        return str(app.screen.query_one("#assess-title", Label).render())


async def test_one_host_assessed_is_not_said_to_differ_from_others(sshd_server, tmp_path):
    settings, _ = settings_for(sshd_server, {"web-1": "web"})
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web"])
        assert await conductor.run_step("assess-state")
    finally:
        await close(conductor)
    title = await _title(tmp_path / "incident" / "journal.jsonl")
    assert title == "System state on 1 host · no other host to compare it with", title


async def test_two_hosts_assessed_keep_the_legend_of_the_mark(sshd_server, tmp_path):
    settings, _ = settings_for(sshd_server, {"web-1": "web", "db-1": "db"})
    conductor = conductor_for(settings, tmp_path)
    try:
        conductor.select(["web", "db"])
        assert await conductor.run_step("assess-state")
    finally:
        await close(conductor)
    title = await _title(tmp_path / "incident" / "journal.jsonl")
    assert title == "System state on 2 host(s) · ● differs between hosts", title


async def assessed_at_80(sshd_server, tmp_path, names: list[str]) -> tuple[list, str, str]:
    """`names` assessed on real sshd, the last on the release before, the assessment
    shown at 80x24 a line per value: its cells as text, the screen's lines (joined) if
    the table is wider than its room (else ""), and that release before."""
    settings, sandboxes = settings_for(sshd_server, dict.fromkeys(names, "web"))
    odd = names[-1]  # one host is on the release before
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
        await open_assessment(app, pilot)
        table = app.screen.query_one("#assessment", DataTable)
        await until(pilot, lambda: table.row_count > 0)
        await pilot.pause(0.2)
        cells = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        lines = [s.text for s in app.screen._compositor.render_strips()]
        wide = table.virtual_size.width > table.scrollable_content_region.width
    return cells, "\n".join(lines) if wide else "", before


async def test_many_hosts_fit_80_columns_a_line_per_value(sshd_server, tmp_path):
    """Walked on 200 sshd hosts at 80x24: a column per host made the assessment ~200
    columns of ~35 cells, one host and a half in sight. Hosts that read alike are one
    line now, in the configuration's order ("api, web" sorted came first)."""
    names = [f"web-{i:02d}" for i in range(1, 13)]
    cells, wide, before = await assessed_at_80(sshd_server, tmp_path, names)
    assert not wide, wide
    at = next(i for i, row in enumerate(cells) if row[0].endswith("release"))
    assert cells[at][0] == "● release" and cells[at][2] == "11: web-01, web-02 +9", cells
    assert cells[at + 1] == ["", before, "1: web-12"], cells
