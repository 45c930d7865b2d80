"""`drill --due` sent SIGTERM while the drill undid its fault (real sshd, reviewed by
helper-154): the abort stopped the undo itself, leaving the fault in place, and the
verdict, read before the undo, did not say aborted, so the next due drill started and
ran in full, faults and rollback, after the signal."""

from __future__ import annotations

import copy
import signal

import pytest

from tests.test_drill_due_locked_sshd import _two_systems
from tests.test_serve import said_until

pytestmark = pytest.mark.sshd


def test_term_while_a_drill_undoes_its_fault(sshd_server, tmp_path, monkeypatch):
    import tests.test_drill_due_locked_sshd as due_locked
    import tests.test_drills_sshd as drills_sshd

    drills = copy.deepcopy(drills_sshd.DRILLS)
    fault = drills["scenarios"][0]["faults"][0]
    fault["undo"] = "sleep 5 && " + fault["undo"]  # time for the signal to land in it
    monkeypatch.setattr(due_locked, "DRILLS", drills)
    fleet = _two_systems(sshd_server, tmp_path, held=False)
    due = fleet.started("drill", "--due")
    said = said_until(due, "undo fault deploy the bad release 1.1")
    assert "undo fault" in said, said
    due.send_signal(signal.SIGTERM)
    out, err = due.communicate(timeout=120)
    out = said + out
    assert (fleet.sandboxes["app-1"] / "current").readlink().name == "1.0", out + err  # undone
    assert "not run (interrupted by SIGTERM, during bad-release): ops-release" in out, out
    assert "DRILL ops-release" not in out, out
    assert "noted: interrupted by SIGTERM: the drill ends once its faults are undone" in out
    assert "closed the incident: aborted: interrupted by SIGTERM" in out, out
    assert "2 drills: FAILED: bad-release; not run: ops-release" in out, out
