"""A drill with a host down (real sshd: its port refuses connections). Walked on a staging
fleet (helper-153): web-2's sshd killed after the fault went in; the report said
`left  Halt current delivery process ran on web-1, web-2: the drill does not undo the
procedure's own steps` though web-2 refused the connection and nothing ran there: the
team would go and look for a deploy.lock that was never written. Now the line names the
hosts the step's command reached. And its integrity after, never read, is not said
'empty'."""

from __future__ import annotations

import copy
import json
import tomllib

import pytest
import tomli_w

from tests.sshd import _free_port
from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd


def test_a_host_down_is_not_said_to_have_run_the_procedures_step(sshd_server, tmp_path):
    drills = copy.deepcopy(DRILLS)
    scenario = drills["scenarios"][0]
    scenario["faults"][0] |= {"hosts": ["app-1"], "systems": []}  # set on the host up
    scenario["integrity"]["hosts"] = ["app-1"]
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    down = _free_port()  # nothing listens there: each connection is refused
    inventory["systems"][0]["hosts"][1]["port"] = down
    path.write_text(tomli_w.dumps(inventory))

    drill = fleet.cli("drill", "--scenario", "bad-release", "--json")
    assert drill.returncode == 1, drill.stdout + drill.stderr
    [verdict] = json.loads(drill.stdout)["drills"]
    assert verdict["hosts"]["app-2"]["failure"] == "connection refused", verdict["hosts"]
    assert verdict["left"] == [{"step": "look", "title": "Look", "hosts": ["app-1"]}], verdict
    text = fleet.cli("drill", "--scenario", "bad-release")
    assert "  left       Look ran on app-1: the drill does not undo" in text.stdout, text.stdout


def test_an_integrity_after_not_read_is_not_said_empty(sshd_server, tmp_path):
    """Walked (helper-153): web-2 down at the check after the rollback read 'integrity
    web-2: missing (before checksum 5a625a6a40c3 catalog=3; after empty)', as if its data
    had been found empty; and 'before' named what the scenario calls its baseline."""
    drills = copy.deepcopy(DRILLS)
    scenario = drills["scenarios"][0]
    check = scenario["integrity"]["command"]
    scenario["integrity"]["command"] = f"[ -e .unread ] || {check}"  # prints nothing there
    fault = {"name": "leave app-2 unread", "command": "touch .unread", "undo": "rm .unread"}
    scenario["faults"].append(fault | {"hosts": ["app-2"]})
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    drill = fleet.cli("drill", "--scenario", "bad-release")
    assert drill.returncode == 1, drill.stdout + drill.stderr
    [line] = [ln for ln in drill.stdout.splitlines() if ln.startswith("  integrity  app-2:")]
    assert line.startswith("  integrity  app-2: missing (baseline checksum "), line
    assert line.endswith("; after not read)"), line
