"""The assessment screen's data integrity at 80x24, taller than the screen: three database
hosts restored from a backup with WAL replayed. The lines under the integrity table (what
each host was restored to, where its recovery stopped) ran past the screen's foot, and
nothing scrolled to them: they could not be read there at all. Nor did they say what each
host's verify checked on the database (`checked: ...`), as the document does."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from console.model.clock import FixedClock
from console.model.events import Kind
from console.ui.follow import make_follow_app
from tests.events_factory import recorder_in
from tests.test_ui_support import START, open_assessment, until

HOSTS = ("db-1", "db-2", "db-3")
RESTORED = (
    "backup /var/backups/pg/nightly (started 2026-12-05 02:00:01 UTC), then WAL up to the"
    " target 2026-12-05T08:30:00Z (the last transaction replayed committed at 08:29:58);"
    " the data directory before it is kept at /var/lib/postgresql/15/main.replaced-x"
)

# A host's words, as its verify printed them (a control sequence too: shown escaped).
CHECKED = "accepting connections on PostgreSQL 15.4 \x1b[2J"


def _journal(tmp_path: Path) -> Path:
    r = recorder_in(tmp_path / "incident")
    r.record(Kind.INCIDENT_OPENED, incident_id="20261205-090000-ab12", title="orders lost")
    r.record(Kind.SYSTEMS_SELECTED, systems=["db"], hosts={h: "db" for h in HOSTS})
    for host in HOSTS:
        summary = {"checksum": "9f2c1a7b3e", "rows": {"orders": 1200, "lines": 4800}}
        where = {"host": host, "system": "db", "step": "restore"}
        r.record(Kind.INTEGRITY_RECORDED, stage="before", verdict="recorded", **summary, **where)
        r.record(
            Kind.INTEGRITY_RECORDED,
            stage="after",
            verdict="recorded",
            restored=RESTORED,
            recovery={"timeline": 2, "stopped": "before 2026-12-05 08:30:00.61+00"},
            checks=[CHECKED],  # what its verify checked, as it printed it
            **summary,
            **where,
        )
    r.close()
    return r.path


async def test_the_lines_under_the_integrity_table_can_be_reached_at_80x24(tmp_path):
    app = make_follow_app(_journal(tmp_path), FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_assessment(app, pilot)
        lines = app.screen.query_one("#integrity-recovery", Static)
        await until(pilot, lambda: lines.display and lines.size.height > 0)
        body = app.screen.query_one("#assess-body")
        assert lines.virtual_region.bottom > body.size.height  # taller than the screen
        for _ in range(4):  # Tab reaches it (after the tables); then End, as in any view
            if app.screen.focused is body:
                break
            await pilot.press("tab")
        assert app.screen.focused is body, app.screen.focused
        await pilot.press("end")
        await pilot.pause(0.2)
        # its foot in view once scrolled to (the body scrolls: its keys stay on the footer)
        assert lines.region.bottom <= body.region.bottom, (lines.region, body.region)
        # what each host's verify checked, as the document's "How it was verified" says
        # it (helper-147: the screen showed none of it), escaped
        said = str(lines.render())
        for host in HOSTS:
            checked = f"{host} (restore): checked: accepting connections on PostgreSQL 15.4"
            assert f"{checked} \\x1b[2J" in said, said
        assert "\x1b" not in said
