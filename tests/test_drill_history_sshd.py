"""The drill history on a README fleet (real sshd): each drill listed with its verdict."""

from __future__ import annotations

import pytest
import tomli_w

from console.engine.listing import list_incidents
from console.journal.lock import SystemLocks
from console.ui.widgets.incident_rows import OUTCOME_WIDTH
from console.ui.widgets.incident_rows import _outcome as incident_outcome
from tests.test_drills_sshd import DRILLS, STRATEGIES, staging_fleet

pytestmark = pytest.mark.sshd


def test_a_drill_that_passed_expecting_its_rollback_to_fail_is_listed_passed(sshd_server, tmp_path):
    """Walked at 80x24: a drill that PASSED (it expected the failure threshold to halt the
    rollback) was listed '✘ failed' right under the report that said PASSED, beside
    '✘ drill failed' rows: a drill's row says its verdict."""
    [scenario] = DRILLS["scenarios"]
    failing = {**scenario, "trigger": "user-impact", "reason": "drill", "expect": "failed"}
    fleet = staging_fleet(sshd_server, tmp_path, {**DRILLS, "scenarios": [failing]})
    [strategy] = STRATEGIES["strategies"]
    broken = {**strategy, "commands": {**strategy["commands"], "verify": "exit 1"}}
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps({"strategies": [broken]}))
    result = fleet.cli("drill", "--quiet")
    assert "DRILL bad-release: PASSED" in result.stdout, result.stdout + result.stderr

    [summary] = list_incidents(fleet.state / "incidents", SystemLocks(fleet.state / "locks"))
    assert summary.outcome == "failed" and not summary.drill_failed
    assert incident_outcome(summary, OUTCOME_WIDTH) == "✔ drill passed"  # 80x24
    listed = fleet.cli("list")
    # its reason on a line of its own, under the verdict and the title
    assert f"{summary.incident_id}  drill passed; failed  DRILL " in listed.stdout, listed.stdout


async def test_drills_without_a_schedule_are_listed_each_its_own_on_the_home_screen(
    sshd_server, tmp_path
):
    """Walked at 80x24 on a real PostgreSQL: two drills of one scenario, no schedule, read
    'db-restore  2026-12-05 ✘  –' twice on the home screen, nothing telling them apart.
    Each row says when (to the second), the scenario, its verdict and how it ended."""
    from console.engine.session import Engine
    from console.journal.drills import past_drills
    from console.model.loading import load_settings
    from console.ui.app import make_app
    from console.ui.widgets.drill_schedule import DrillSchedule

    drills = {k: v for k, v in DRILLS.items() if k != "schedule"}
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    for _ in range(2):
        result = fleet.cli("drill", "--quiet")
        assert "DRILL bad-release: PASSED" in result.stdout, result.stdout + result.stderr
    runs = past_drills(fleet.state / "incidents")
    settings = load_settings(fleet.config)
    engine = Engine(settings, fleet.state / "incidents", threaded_io=True)
    app = make_app(settings, engine, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(DrillSchedule)
            header = [str(c.label) for c in table.ordered_columns]
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            assert table.region.width >= sum(
                c.get_render_width(table) for c in table.ordered_columns
            )
    finally:
        await engine.close()
    assert header == ["When (UTC)", "Drill", "Result", "Outcome", "Recovery"]
    assert [r[:4] for r in rows] == [
        [f"{run.at:%m-%d %H:%M:%S}", "bad-release", "✔ passed", "rolled back and verified"]
        for run in reversed(runs)  # the latest first
    ]
    assert rows[0] != rows[1]
