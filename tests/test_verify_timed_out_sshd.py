"""V (`verify`, the console's V) on a host whose verify does not end within the step's
timeout: nothing was verified, and the words say so, while the host still counts as failed
(a wedged service must stay retriable and undoable; an unknown host would hold the lock).

A connection lost while app-2's action ran left it unknown; its verify then hung (a
service wedged, a filesystem stalled) and was killed at the strategy's timeout. `verify`
said 'app-2: verified: failed' (as if the verify had found the change not made), where a
verify of a closed incident says 'not verified: timeout' of the same."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from console.model.status import FailureClass
from tests.cli_fleet import Fleet
from tests.test_lost_mid_change import lose_app_2_mid_action, release_fleet
from tests.test_remote_lifetime import attempts_ended

pytestmark = pytest.mark.sshd

# The verify waits (bounded, 60 s) for a file nobody writes: the strategy's timeout ends it.
HANGS = "i=0; while [ ! -e never ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return release_fleet(sshd_server, tmp_path)


def test_a_verify_that_timed_out_says_so_and_the_host_counts_as_failed(
    fleet, sshd_server, tmp_path
):
    journal = fleet.state / "incident"
    lose_app_2_mid_action(fleet, sshd_server, journal)
    (fleet.sandboxes["app-2"] / "go").touch()  # its supervisor's restart ends
    attempts_ended(sshd_server.account.name, journal / "journal.jsonl")

    strategies_file = fleet.config / "strategies.toml"
    strategies = tomllib.loads(strategies_file.read_text())
    strategies["strategies"][0] |= {"timeout": 2.0, "commands": {"verify": HANGS}}
    strategies_file.write_text(tomli_w.dumps(strategies))

    verified = fleet.cli("verify", str(journal))
    said = verified.stdout + verified.stderr
    assert verified.returncode == 1, said
    line = next(x for x in verified.stdout.splitlines() if x.startswith("app-2: "))
    assert line.startswith("app-2: failed, not verified: its verify did not end (timeout:"), line
    assert "no exit within 2 s" in line, line
    assert "verified: failed" not in said, said
    assert "verify again once the change has finished" not in said, said

    state = fold(read_journal(journal / "journal.jsonl").events)
    app_2 = state.step("restore").hosts["app-2"]
    assert app_2.status is HostStatus.FAILED, app_2  # a retry or an undo may go there
    assert app_2.failure is FailureClass.TIMEOUT, app_2
