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
