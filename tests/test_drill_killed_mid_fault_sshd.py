"""A drill killed while its fault was still going in (real sshd): the fault is in place
on the hosts that took it, though its `drill.fault` was never written (it is, once every
host has answered); the next drill's refusal and the resume name it, never undone."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.drillfold import cut_short
from console.model.events import Kind
from console.model.state import fold
from tests.test_drill_recovery_clock_sshd import slow_on_app_2

pytestmark = pytest.mark.sshd

LEFT = "its fault deploy the bad release 1.1 on app-1, app-2 was NEVER UNDONE: undo it by hand"


@pytest.fixture
def fleet(sshd_server, tmp_path):
    return slow_on_app_2(sshd_server, tmp_path, 20)


def test_a_fault_half_answered_when_the_drill_was_killed_is_named_never_undone(fleet):
    """Walked at 80x24 on a README fleet from init: the console killed (-9) while web-1 had
    the bad release and web-2's fault command still ran; both hosts were left on 1.1, and
    the next drill's refusal said only 'the outcome unknown on web-2 (sent, no outcome on
    record ...)': nothing named the fault left in place on web-1, nor that web-2's unknown
    command was a drill's fault, though docs/drills.md promises it for a drill cut short."""
    drill = fleet.started("drill")
    assert drill.stdout is not None
    for line in drill.stdout:  # ends with the process at the latest
        if line.split()[1:4] == ["app-1", "fault", "succeeded"]:
            drill.kill()
            break
    drill.wait(timeout=60)
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    events = read_journal(journal).events
    assert Kind.DRILL_FAULT not in [e.kind for e in events]  # app-2 had not answered
    assert (fleet.sandboxes["app-1"] / "current").readlink() == Path("releases/1.1")

    again = fleet.cli("drill")
    assert again.returncode == 3, again.stdout + again.stderr
    assert f"a drill cut short before its verdict, {LEFT} before anything else" in again.stderr
    assert LEFT in cut_short(fold(events))  # the resume's notice, the close, the document
