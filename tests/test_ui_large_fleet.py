"""Screens of a large fleet, as seen at 1,000 real sshd hosts at 80x24: the assessment
keeps the reader's place while events come in and says which chosen hosts it could not
read (a missing column is not seen among hundreds); the execution screen's counts line
has the whole width."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Label, Static

from console.model.events import Kind
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)


async def test_assessment_keeps_its_place_as_events_come_and_names_hosts_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Seen at 1,000 real sshd hosts: every batch of journal events rebuilt the table and
    threw it back to its first column (DataTable.clear scrolls home) while the reader was
    looking at a host hundreds of columns to the right (now a line per value: its cursor
    row stays); and 'System state on 950 host(s)' did not say that 50 chosen hosts were
    not read."""
    app = populated_app(tmp_path, monkeypatch)
    conductor = app.prepared
    hosts = {f"web-{i}": {"release": "2.4.1", "revision": f"r{i % 3}"} for i in (1, 2)}
    hosts |= {f"zz-{i:02d}": {"release": "2.4.1", "revision": "r0"} for i in range(40)}
    conductor.recorder.record(
        Kind.ASSESSMENT_RECORDED, step="assess-state", hosts=hosts, keys=["release"], failed=[]
    )
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        await app.push_screen("execution")
        await pilot.pause()
        await pilot.press("i")
        await until(pilot, lambda: bool(app.screen.query("#assessment")))
        table = app.screen.query_one("#assessment", DataTable)
        # a line per value (42 columns side by side did not fit 80): release once,
        # revision's r0, r1 and r2, the most hosts first
        await until(pilot, lambda: table.row_count == 4)
        title = str(app.screen.query_one("#assess-title", Label).render())
        assert title.startswith("System state on 42 host(s) · ✘ 1 not read (web-3)"), title
        await pilot.press("down", "down")
        await until(pilot, lambda: table.cursor_row == 2)
        conductor.note("still looking at web-1", None)  # any event: the screen syncs
        await pilot.pause(0.2)
        await pilot.pause()
        assert table.cursor_row == 2
        # A new reading is shown (and only then is the table built again).
        hosts["zz-39"]["revision"] = "r2"
        conductor.recorder.record(
            Kind.ASSESSMENT_RECORDED, step="assess-state", hosts=hosts, keys=["release"], failed=[]
        )
        await until(pilot, lambda: "2: web-2, zz-39" in [str(c) for c in table.get_row_at(2)])


async def test_the_execution_counts_line_has_the_whole_width_at_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Beside the progress bar it had ~50 of 80 columns: a 1,000-host step's line ('1000 of
    1000 hosts finished · 16 failed: web-017, web-258, web-321 (+13 more) · t retries
    failed hosts · p problems only') took three lines, and the grid showed 5 hosts."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("execution")
        await until(pilot, lambda: bool(app.screen.query("#exec-counts")))
        counts = app.screen.query_one("#exec-counts", Static)
        await until(pilot, lambda: "hosts finished" in str(counts.render()))
        assert counts.content_region.width >= 78, counts.content_region
