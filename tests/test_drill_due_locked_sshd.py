"""`drill --due` with two scenarios due, the first on a system a real incident holds, or
the run terminated during the first (real sshd). Walked on a staging fleet (helper-153): the refusal of the first ended the
whole run, so the second (on a free system) never ran and nothing said so; with --json,
a scenario that had run and passed before the refused one was missing from the document,
which read only 'refused'. Now the refused one is said and named, the others run, and
the exit status is 3 (1 if one failed)."""

from __future__ import annotations

import copy
import json
import os
import signal
import tomllib

import pytest
import tomli_w

from console.journal.lock import SystemLocks
from tests.cli_fleet import Fleet
from tests.test_drills_sshd import DRILLS, lay_out_releases, staging_fleet
from tests.test_locks import _holder
from tests.test_serve import said_until

pytestmark = pytest.mark.sshd


def _two_systems(sshd_server, tmp_path, held: bool = True) -> Fleet:
    """`app` (bad-release) and `ops` (ops-release, its copy), each due every 7 days and
    never drilled; a live incident holds `app` (when `held`)."""
    drills = copy.deepcopy(DRILLS)
    ops = copy.deepcopy(drills["scenarios"][0]) | {"name": "ops-release", "systems": ["ops"]}
    ops["faults"][0]["systems"] = ["ops"]
    drills["scenarios"].append(ops)
    drills["schedule"] = [
        {"scenario": "bad-release", "every": "7d"},
        {"scenario": "ops-release", "every": "7d"},
    ]
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    app = inventory["systems"][0]
    sandbox = sshd_server.sandbox("ops-1")
    lay_out_releases(sshd_server, sandbox)
    host = app["hosts"][0] | {"name": "ops-1", "workdir": str(sandbox)}
    inventory["systems"].append(app | {"name": "ops", "hosts": [host]})
    path.write_text(tomli_w.dumps(inventory))
    triggers = fleet.config / "triggers.toml"
    data = tomllib.loads(triggers.read_text())
    data["triggers"].append(data["triggers"][0] | {"name": "ops-health", "system": "ops"})
    triggers.write_text(tomli_w.dumps(data))
    if held:
        SystemLocks(fleet.state / "locks").acquire("app", _holder(os.getpid(), "inc-live"))
    return fleet


def test_due_runs_the_others_when_an_incident_holds_one(sshd_server, tmp_path):
    fleet = _two_systems(sshd_server, tmp_path)
    due = fleet.cli("drill", "--due")
    said = due.stdout + due.stderr
    assert due.returncode == 3, said
    assert "due: bad-release, ops-release" in due.stdout
    assert "refused: system 'app' is locked: incident inc-live by alice" in due.stderr, said
    assert "DRILL ops-release: PASSED" in due.stdout, said
    assert "2 drills: refused (an incident holds its systems): bad-release" in due.stdout
    assert (fleet.sandboxes["app-1"] / "current").readlink().name == "1.0"  # untouched


def test_due_json_keeps_each_drill_run_and_names_the_one_refused(sshd_server, tmp_path):
    fleet = _two_systems(sshd_server, tmp_path)
    due = fleet.cli("drill", "--due", "--json")
    assert due.returncode == 3, due.stdout + due.stderr
    document = json.loads(due.stdout)
    assert document["schema"] == "rollback-console/drills"
    assert document["exit_status"] == 3 and document["ok"] is False
    assert [(d["scenario"], d["passed"]) for d in document["drills"]] == [("ops-release", True)]
    [refused] = document["refused"]
    assert refused["scenario"] == "bad-release" and refused["holder"] == "inc-live"
    assert refused["refusal"].startswith("system 'app' is locked: incident inc-live by alice")


def test_due_hung_up_mid_drill_starts_no_other(sshd_server, tmp_path):
    """Walked on staging (helper-153): `drill --due` sent SIGTERM (a cron job stopped, the
    jump host shutting down) aborted the drill it ran, then started the next due one and
    ran it in full, faults and rollback (SIGTERM: test_drill_term_during_undo_sshd). A
    hang-up (its terminal closed; here a `kill -HUP`) aborts it so too, its faults
    undone, and the drill is recorded aborted by the hang-up, not 'interrupted by SIGHUP'."""
    fleet = _two_systems(sshd_server, tmp_path, held=False)
    due = fleet.started("drill", "--due")
    said = said_until(due, "injected fault deploy the bad release 1.1")
    assert "injected fault" in said, said
    due.send_signal(signal.SIGHUP)
    out, _ = due.communicate(timeout=120)
    assert due.returncode == 1, said + out
    assert "closed the incident: aborted: ended by SIGHUP" in out, out
    assert "not run (ended by SIGHUP, during bad-release): ops-release" in out, out
    assert "2 drills: FAILED: bad-release; not run: ops-release" in out
    assert "DRILL ops-release" not in out
    assert len(list((fleet.state / "incidents").glob("*/journal.jsonl"))) == 1  # its own
    assert (fleet.sandboxes["app-1"] / "current").readlink().name == "1.0"  # undone
