"""An abort (SIGTERM, Ctrl+C) that lands between two steps of a headless run or drill
ends it there (real sshd). Walked on a staging fleet (helper-153): a drill sent SIGTERM
while its hosts were asked what `previous` is (one of them hung) waited for the answer,
then ran the rollback on the other host anyway (the next step's run cleared the abort),
and its verdict no longer said it was aborted; one sent SIGTERM while it awaited its
trigger went on waiting the whole detection window, then declared the trigger. And the
question itself held the abort up to the hung host's command timeout (300 s by default:
under systemd, a KILL after 90 s left the faults NOT undone): it is let go at once."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import Fleet
from tests.test_drills_sshd import DRILLS, staging_fleet
from tests.test_serve import said_until

pytestmark = pytest.mark.sshd

# The releases preset (its `previous` asked of the hosts before the step runs).
ASKING = "what target=previous is, before the step runs"


def _fleet(sshd_server, tmp_path: Path, drills: dict) -> Fleet:
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    (fleet.config / "strategies.toml").write_text(
        '[[strategies]]\nname = "release-rollback"\nkind = "version-rollback"\ntimeout = 600\n'
    )
    return fleet


def _hang_the_question(fleet: Fleet, sshd_server) -> None:
    """app-2's record of an earlier rollback is a FIFO: the preset's `cat` of it waits."""
    rollback = fleet.sandboxes["app-2"] / ".rollback"
    rollback.mkdir()
    os.mkfifo(rollback / "release-target")
    for path in (rollback, rollback / "release-target"):
        os.chown(path, sshd_server.account.uid, sshd_server.account.gid)


def _terminated_at(process: subprocess.Popen[str], text: str) -> str:
    said = said_until(process, text)
    assert text in said, said
    process.send_signal(signal.SIGTERM)
    try:  # the hung host's question is let go: not held for its 600 s
        out, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError("still running 120 s after SIGTERM") from None
    return said + out


def _restore_sent(journal: Path) -> list[str]:
    events = read_journal(journal).events
    return [
        e.where.host or ""
        for e in events
        if e.kind == Kind.COMMAND_INTENT and e.where.step == "restore"
    ]


def test_a_drill_terminated_while_previous_is_asked_sends_no_rollback(sshd_server, tmp_path):
    fleet = _fleet(sshd_server, tmp_path, DRILLS)
    _hang_the_question(fleet, sshd_server)
    drill = fleet.started("drill", "--scenario", "bad-release", "--yes")
    out = _terminated_at(drill, ASKING)
    assert drill.returncode == 1, out
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    assert _restore_sent(journal) == [], out  # nothing sent after the abort
    assert "DRILL bad-release: FAILED" in out
    assert "✘ aborted: interrupted by SIGTERM" in out, out
    [judged] = [e for e in read_journal(journal).events if e.kind == Kind.DRILL_JUDGED]
    assert judged.data.findings[0] == "aborted: interrupted by SIGTERM"
    for sandbox in fleet.sandboxes.values():  # the fault undone, as after any abort
        assert (sandbox / "current").readlink() == Path("releases/1.0")


def test_a_run_terminated_while_previous_is_asked_sends_no_rollback(sshd_server, tmp_path):
    fleet = _fleet(sshd_server, tmp_path, DRILLS)
    for sandbox in fleet.sandboxes.values():  # the bad release is live
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/1.1")
    _hang_the_question(fleet, sshd_server)
    journal = tmp_path / "run" / "journal.jsonl"
    run = fleet.started(
        "run", "--systems", "app", "--strategy", "release-rollback", "--trigger",
        "user-impact", "--reason", "bad release", "--yes", "--journal", str(journal),
    )  # fmt: skip
    out = _terminated_at(run, ASKING)
    assert run.returncode != 0, out
    assert _restore_sent(journal) == [], out
    closed = [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED]
    assert [e.data.outcome for e in closed] == ["aborted"], out
    for sandbox in fleet.sandboxes.values():  # nothing rolled back
        assert (sandbox / "current").readlink() == Path("releases/1.1")


def test_a_drill_terminated_while_it_awaits_its_trigger_declares_none(sshd_server, tmp_path):
    drills = copy.deepcopy(DRILLS)
    scenario = drills["scenarios"][0]
    scenario["faults"][0] |= {"command": "touch marker", "undo": "rm marker"}  # unseen
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    inventory = fleet.config / "inventory.toml"  # a probe read every 5 s: a 25 s window
    inventory.write_text(inventory.read_text().replace("interval = 0.2", "interval = 5.0"))
    drill = fleet.started("drill", "--scenario", "bad-release", "--yes")
    out = _terminated_at(drill, "injected fault deploy the bad release 1.1")
    assert drill.returncode == 1, out
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    kinds = [e.kind for e in read_journal(journal).events]
    assert Kind.RUN_ABORTED in kinds
    assert Kind.TRIGGER_DECLARED not in kinds, out  # none declared after the abort
    assert "✘ aborted: interrupted by SIGTERM" in out
    for sandbox in fleet.sandboxes.values():
        assert not (sandbox / "marker").exists()  # undone
