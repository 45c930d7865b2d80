"""A drill holds the lock of every system it sends a command to (real sshd): those it
rolls back, and those its faults and its integrity check run on."""

from __future__ import annotations

import os
import tomllib

import pytest
import tomli_w

from console.journal.lock import SystemLocks
from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_drills_sshd import DRILLS, staging_fleet
from tests.test_locks import _holder

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path):
    """app-1 alone in `app`; app-2 is the database system `db`'s host. The scenario rolls
    back `app`, damages data on app-2 (a fault) and checks it there (the integrity)."""
    [scenario] = DRILLS["scenarios"]
    damage = {"name": "damage the data", "command": "echo damaged >> data.txt"}
    damage |= {"undo": "sed -i '/damaged/d' data.txt", "hosts": ["app-2"]}
    on_app_1 = {**scenario["faults"][0], "systems": [], "hosts": ["app-1"]}
    scenario = {
        **scenario,
        "trigger": "user-impact",
        "reason": "game day",
        "faults": [on_app_1, damage],
        "integrity": {**scenario["integrity"], "hosts": ["app-2"]},
    }
    fleet = staging_fleet(sshd_server, tmp_path, {**DRILLS, "scenarios": [scenario]})
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    [app] = inventory["systems"]
    db = {**app, "name": "db", "hosts": app["hosts"][1:], "probes": []}
    inventory["systems"] = [{**app, "hosts": app["hosts"][:1]}, db]
    path.write_text(tomli_w.dumps(inventory))
    return fleet


def test_a_drill_is_refused_where_another_incident_holds_a_system_its_fault_touches(fleet):
    """Seen on a README fleet: while an `exec` on db held db's lock, a drill of web whose
    fault zeroes an order total on db-1 ran that fault there (it locked web only)."""
    listed = fleet.cli("drill", "--list").stdout  # where it goes, before it is run
    assert "  faults       deploy the bad release 1.1 (on app-1), damage the data (on app-2)\n" in (
        listed
    ), listed
    assert "  integrity    on app-2, after = baseline\n" in listed, listed
    locks, holder = SystemLocks(fleet.state / "locks"), _holder(os.getpid(), "inc-db")
    locks.acquire("db", holder)  # a live holder: this process
    refused = fleet.cli("drill", "--quiet")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert refused.stderr.startswith("refused: system 'db' is locked: incident inc-db")
    assert "damaged" not in (fleet.sandboxes["app-2"] / "data.txt").read_text()
    assert (fleet.sandboxes["app-1"] / "current").readlink().name == "1.0"  # nothing sent
    assert not list(fleet.state.glob("incidents/*/journal.jsonl"))  # nothing recorded

    locks.release("db", holder)
    ran = fleet.cli("drill", "--quiet")
    assert "  fault      damage the data on app-2; undone" in ran.stdout, ran.stdout + ran.stderr
    [journal] = fleet.state.glob("incidents/*/journal.jsonl")
    events = read_journal(journal).events
    [acquired] = [e for e in events if e.kind == Kind.LOCK_ACQUIRED]
    assert acquired.data.systems == ["app", "db"]
    [released] = [e for e in events if e.kind == Kind.LOCK_RELEASED]
    assert sorted(released.data.systems) == ["app", "db"]
