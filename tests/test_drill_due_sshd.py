"""`drill --due` on a README fleet (real sshd) whose only DUE cadence is before-deploy:
nothing runs, and it says why and what runs it."""

from __future__ import annotations

import pytest

from tests.test_drills_sshd import staging_fleet

pytestmark = pytest.mark.sshd


def test_due_with_only_a_before_deploy_cadence_due_names_the_gate(sshd_server, tmp_path):
    """Walked on a README fleet: `drill --status` read 'before-deploy (24 h) ... DUE', and
    `drill --due` (documented: runs each scenario DUE or OVERDUE) answered 'no drill is
    due' and ran nothing: the gate runs before-deploy drills, which nothing said."""
    fleet = staging_fleet(sshd_server, tmp_path)
    status = fleet.cli("drill", "--status")
    assert status.returncode == 0 and " DUE" in status.stdout, status.stdout + status.stderr
    due = fleet.cli("drill", "--due")
    assert due.returncode == 0, due.stdout + due.stderr
    assert due.stdout.strip() == (
        "no drill is due; DUE before a deployment only: app before-deploy (12 h)"
        " (bad-release): the gate runs it (rollback-console drill --gate --systems app --run)"
    )
    assert not list(fleet.state.glob("incidents/*/journal.jsonl"))  # nothing ran
