"""A drill's people hear how it went, on a README fleet (real sshd): a drill whose rollback
fails still sends its procedure's status update, as `run` and an ad-hoc drill do, the
close's update on every channel says the drill's verdict, not only how the incident closed,
and the drill's report names each update that did not arrive."""

from __future__ import annotations

import json

import pytest
import tomli_w

from console.journal.drill_text import report_lines
from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_drills_sshd import DRILLS, PROCEDURE, staging_fleet

pytestmark = pytest.mark.sshd


def test_a_failed_drill_tells_its_channels_and_its_close_says_the_verdict(sshd_server, tmp_path):
    """Walked on a staging fleet: a drill whose rollback failed ended with no status update
    at all (`run` and `drill --systems ...` send theirs after a failure), and a drill that
    missed its recovery target was announced on Slack and its webhook as '[DRILL] ID
    closed: rolled back and verified', read as a drill that went well; its report never
    said that a channel had not delivered (one drill run: the steps, the verdict, the JSON
    and the report's lines, 4 s on a quiet machine)."""
    [scenario] = DRILLS["scenarios"]
    broken = {
        **scenario,
        "trigger": "user-impact",
        "reason": "the rollback goes to the bad release",
        "params": {"target": "1.1"},  # its verify reads 'bad' health: the rollback fails
    }
    fleet = staging_fleet(sshd_server, tmp_path, {**DRILLS, "scenarios": [broken]})
    sent = tmp_path / "sent"
    tell = {
        "id": "tell",
        "title": "Communicate status",
        "kind": "notify",
        "message": "{{summary}}",
        "command": f"echo {{{{message}}}} >> {sent}",
        "channels": ["mail"],
    }
    phases = [dict(p) for p in PROCEDURE["phases"]]
    phases[1] = {**phases[1], "steps": [*phases[1]["steps"], tell]}
    mail = {"name": "mail", "kind": "command", "command": "exit 3", "retries": 0}
    procedure = {**PROCEDURE, "phases": phases, "channels": [mail]}
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure))

    result = fleet.cli("drill", "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    [drill] = json.loads(result.stdout)["drills"]
    assert not drill["passed"] and drill["closed"] == (
        "failed: “Restore previous version” failed (2 failed)"
    ), drill
    update, closed = sent.read_text().splitlines()
    assert update.startswith("[DRILL] User impact assessment: the rollback goes to the bad"), update
    assert update.endswith("; app by release-rollback: 2 hosts failed"), update
    assert closed.endswith(
        " closed: failed: “Restore previous version” failed (2 failed); drill FAILED: outcome:"
        " expected rolled back and verified, got failed (failed on app-1 at verify: exit"
        " status 1; app-2 at verify: exit status 1)"
    ), closed
    told = [(n["channel"], n["repeat"], n["delivered"]) for n in drill["notifications"]]
    assert sorted(told) == [
        ("command", 0, True), ("command", 1, True), ("mail", 0, False), ("mail", 1, False)
    ], drill["notifications"]  # fmt: skip
    # the report (headless and the console's) says who was not told: a warning, not a finding
    not_told = [ln for ln in report_lines(drill) if ln.startswith("  notified   ")]
    assert not_told == [
        "  notified   tell: notification via mail: NOT DELIVERED (warning) — command failed: exit status 3",
        "  notified   tell: status update #2 via mail: NOT DELIVERED (warning) — command failed: exit status 3",
    ], report_lines(drill)
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    [started] = [
        e for e in read_journal(journal).events
        if e.kind == Kind.STEP_STARTED and e.where.step == "tell"
    ]  # fmt: skip
    assert [a["step"] for a in started.data.ahead_of] == ["restore", "verify"]  # out of order
