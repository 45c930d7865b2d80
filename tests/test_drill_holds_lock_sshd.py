"""A real incident refused by a drill's lock says it is a drill's, and how the drill ends
(real sshd). Walked (helper-162): a scheduled drill ran on web, and `run` for a real
incident there was refused with "system 'web' is locked: incident ID by root on vm (pid
N), since ...", as any incident's lock reads: nothing told the commander it was a
drill, which a Ctrl+C ends, its faults undone."""

from __future__ import annotations

import copy
import signal

import pytest

from console.journal.lock import SystemLocks
from tests.test_drills_sshd import DRILLS, RUN_APP, staging_fleet
from tests.test_serve import said_until

pytestmark = pytest.mark.sshd

DRILL_SAID = (
    "; it is a DRILL, not a production incident: aborted where it runs (Ctrl+C, or a in its"
    " console), it undoes its faults and lets go of the lock"
)


def test_a_run_refused_by_a_drill_says_it_is_a_drill_and_how_it_ends(sshd_server, tmp_path):
    drills = copy.deepcopy(DRILLS)
    fault = drills["scenarios"][0]["faults"][0]
    fault["command"] = fault["command"].replace(" && ", " && sleep 60 && ", 1)  # holds it there
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    drill = fleet.started("drill")
    try:
        said = said_until(drill, "sending fault (attempt 1)")
        assert "sending fault (attempt 1)" in said, said
        refused = fleet.cli(*RUN_APP)
        [line] = refused.stderr.splitlines()
        assert refused.returncode == 3, refused.stdout + refused.stderr
        assert line.startswith("refused: system 'app' is locked: incident "), line
        assert line.endswith(f" ago){DRILL_SAID}"), line
    finally:
        drill.send_signal(signal.SIGINT)  # as the refusal says: Ctrl+C where it runs
        out, _ = drill.communicate(timeout=120)
    assert drill.returncode == 1, out
    assert "undid fault deploy the bad release 1.1\n" in out, out  # undone, not FAILED
    assert SystemLocks(fleet.state / "locks").holder("app") is None, "let go of"
