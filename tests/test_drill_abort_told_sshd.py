"""A drill stopped (Ctrl+C) while its status update waits, after its stability check
passed, on a README fleet (real sshd): its report says the rollback was verified, as the
record shows, and fails the drill for the abort alone."""

from __future__ import annotations

import signal

import pytest

from tests.test_drills_sshd import staging_fleet, with_execution_step
from tests.test_serve import said_until

pytestmark = pytest.mark.sshd


def test_a_drill_stopped_in_its_status_update_reads_verified_and_aborted(sshd_server, tmp_path):
    """Walked: a drill interrupted while its status update waited for a slow receiver read
    'outcome  expected rolled back and verified · actual rolled back, not verified ✘' under
    its stability check's 3/3 healthy rounds and its recovery time within target (`run`,
    stopped so, closes rolled back and verified)."""
    fleet = staging_fleet(sshd_server, tmp_path)
    slow = {"id": "tell", "title": "Communicate status", "kind": "notify", "command": "sleep 60"}
    with_execution_step(fleet, slow)
    drill = fleet.started("drill")
    said = said_until(drill, "notification via command to the jump host")
    drill.send_signal(signal.SIGINT)
    out = said + drill.communicate(timeout=120)[0]
    assert drill.returncode == 1, out
    assert "DRILL bad-release: FAILED" in out, out
    assert (
        "  outcome    expected rolled back and verified · actual rolled back and verified ✔\n"
        in out
    ), out
    assert "  ✘ aborted: interrupted by SIGINT\n" in out, out
    assert "✘ outcome" not in out, out
