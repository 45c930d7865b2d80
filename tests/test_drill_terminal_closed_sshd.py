"""A drill whose terminal closes before its verdict keeps its locks (real sshd, tmux at
80x24): its fault is never undone, so the next drill or incident there is refused, naming
it, as docs/drills.md says, until a person takes the lock over."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_drills_sshd import TRIGGERS, staging_fleet
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import console_pid, ended, events_of
from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.sshd

LEFT = "its fault deploy the bad release 1.1 on app-1, app-2 was NEVER UNDONE"


def test_a_drill_whose_terminal_closed_keeps_its_locks_and_names_its_fault(sshd_server, tmp_path):
    """Walked at 80x24 on a README fleet from init: the tmux holding the console closed
    (as an SSH session to the jump host drops) while the drill's stability check ran; the
    console let go of web's lock ('lock.released ... terminal closed (SIGHUP)'), its
    fault's undo 'not started', and the next `drill` ran at once on those hosts, taking
    its baseline from them, where docs/drills.md promises a refusal naming the fault."""
    fleet = staging_fleet(sshd_server, tmp_path)
    long_soak = {**copy.deepcopy(TRIGGERS), "soak": {"samples": 50, "interval": 1.0}}
    (fleet.config / "triggers.toml").write_text(tomli_w.dumps(long_soak))
    tmux = Tmux(tmp_path)  # its state directory is the fleet's: tmp_path / "state"
    try:
        tmux.start(f"{sys.executable} -m console --config {fleet.config}; sleep 60")
        tmux.wait_for("Drill schedule")
        tmux.keys("d")
        tmux.wait_for("Enter runs the highlighted scenario")
        tmux.keys("Enter")
        tmux.wait_for("Run the drill (y)")
        tmux.keys("y")
        found: list[Path] = []

        def soaking() -> bool:  # the fault in place, nothing running on a host
            found[:] = list((fleet.state / "incidents").glob("*/journal.jsonl"))
            events = events_of(found[0]) if found else []
            return any(e["kind"] == "soak.progress" for e in events)

        _wait_for(soaking, "the drill's stability check")
        pid = console_pid(tmux)
        tmux.kill()  # the pty closes, as when an SSH session drops
        _wait_for(lambda: ended(pid), "the console to exit")
        _wait_for(lambda: not Path(f"/proc/{pid}").exists(), "the console to be reaped")
    finally:
        tmux.kill()
    events = read_journal(found[0]).events
    kept = [e for e in events if e.kind == Kind.LOCK_KEPT]
    assert [(e.data.systems, e.data.reason) for e in kept] == [
        (["app"], "terminal closed (SIGHUP)")
    ], [e.kind for e in events]
    undone = [e.data for e in events if e.kind == Kind.DRILL_FAULT_UNDONE]
    assert [u.ok for u in undone] == [False]  # its undo not started: the console was going
    for sandbox in fleet.sandboxes.values():
        assert (sandbox / ".drill-was").exists()  # the fault's own mark: its undo never ran

    again = fleet.cli("drill")
    assert again.returncode == 3, again.stdout + again.stderr
    assert again.stderr.startswith("refused: system 'app' is held by a stale lock")
    assert f"a drill cut short before its verdict, {LEFT}: undo it by hand" in again.stderr
    assert not [p for p in (fleet.state / "incidents").glob("*") if p != found[0].parent]
