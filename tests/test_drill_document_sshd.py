"""The rollback document of a drill on real sshd hosts (the staging fleet of
tests/test_drills_sshd): its condensed timeline. Walked on a README fleet of 4 web hosts
(helper-127): each integrity step's row read 'drill-baseline: 0 hosts sent →  in 0.01 s'
after its completion, as if a second run had sent nothing, since the drill recorded each
host's integrity once the step had completed. They are the step's: recorded before it
completes, they join its row."""

from __future__ import annotations

import pytest

from tests.test_drills_sshd import staging_fleet

pytestmark = pytest.mark.sshd


def test_a_drills_integrity_steps_read_as_one_row_each(sshd_server, tmp_path):
    fleet = staging_fleet(sshd_server, tmp_path)
    result = fleet.cli("drill", "--scenario", "bad-release")
    assert result.returncode == 0, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    document = fleet.cli("export", str(journal))
    assert document.returncode == 0, document.stderr
    timeline = document.stdout.split("\n## Timeline\n", 1)[1].split("\n## ", 1)[0]
    assert " 0 hosts sent" not in timeline, timeline
    for step, title in (
        ("drill-baseline", "Drill: integrity baseline, before the fault"),
        ("drill-integrity", "Drill: integrity after the rollback"),
    ):
        rows = [r for r in timeline.splitlines() if r.endswith(f"| {step} |")]
        assert len(rows) == 2, rows  # started, finished: nothing after
        assert f"finished step “{title}”: done — 2 hosts sent → 2 succeeded in " in rows[1]
