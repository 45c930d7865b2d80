"""V (`verify`, the console's V) on a host whose verify does not end within the step's
timeout: nothing was verified, and the words say so, while the host still counts as failed
(a wedged service must stay retriable and undoable; an unknown host would hold the lock).

A connection lost while app-2's action ran left it unknown; its verify then hung (a
service wedged, a filesystem stalled) and was killed at the strategy's timeout. `verify`
said 'app-2: verified: failed' (as if the verify had found the change not made), where a
verify of a closed incident says 'not verified: timeout' of the same."""

from __future__ import annotations

import signal
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from console.model.status import FailureClass
from tests.cli_fleet import Fleet
from tests.test_lost_mid_change import lose_app_2_mid_action, release_fleet
from tests.test_remote_lifetime import _wait_for, attempts_ended

pytestmark = pytest.mark.sshd

# The verify waits (bounded, 60 s) for a file nobody writes: the strategy's timeout ends it.
HANGS = "i=0; while [ ! -e never ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return release_fleet(sshd_server, tmp_path)


def app_2_unknown(fleet: Fleet, sshd_server, strategy: dict) -> Path:
    """The incident a run left open, app-2 unknown (its connection lost mid-action), its
    restart since ended there; the strategy then given `strategy`'s keys."""
    journal = fleet.state / "incident"
    lose_app_2_mid_action(fleet, sshd_server, journal)
    (fleet.sandboxes["app-2"] / "go").touch()  # its supervisor's restart ends
    attempts_ended(sshd_server.account.name, journal / "journal.jsonl")
    strategies_file = fleet.config / "strategies.toml"
    strategies = tomllib.loads(strategies_file.read_text())
    strategies["strategies"][0] |= strategy
    strategies_file.write_text(tomli_w.dumps(strategies))
    return journal


def test_a_verify_that_timed_out_says_so_and_the_host_counts_as_failed(
    fleet, sshd_server, tmp_path
):
    journal = app_2_unknown(fleet, sshd_server, {"timeout": 2.0, "commands": {"verify": HANGS}})

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


def test_a_verify_whose_terminal_closes_finishes_it_and_exits_129(fleet, sshd_server, tmp_path):
    """`verify` hung up (its terminal closed; here a `kill -HUP`) as app-2's verify ran:
    the verify runs to its end, its finding journalled, and `verify` exits 129 as run,
    exec and undo do, saying so; it exited 0, the hang-up unsaid."""
    waits = HANGS.replace("never", "checked").replace("i=0;", ": > verifying; i=0;")
    verify = f'{waits}; test "$(readlink current)" = releases/1.10.0'
    journal = app_2_unknown(fleet, sshd_server, {"commands": {"verify": verify}})

    verified = fleet.started("verify", str(journal))
    try:
        _wait_for((fleet.sandboxes["app-2"] / "verifying").exists, "app-2's verify to run")
        verified.send_signal(signal.SIGHUP)
        path = journal / "journal.jsonl"
        _wait_for(lambda: "ended by SIGHUP" in path.read_text(), "the hang-up's note")
        (fleet.sandboxes["app-2"] / "checked").touch()  # the verify ends, finding it made
        assert verified.wait(timeout=60) == 129
        said = verified.stdout.read() if verified.stdout else ""
    finally:
        verified.kill()
        verified.wait(timeout=30)
    assert "app-2: verified: succeeded" in said, said
    state = fold(read_journal(path).events)
    assert state.step("restore").hosts["app-2"].status is HostStatus.SUCCEEDED
