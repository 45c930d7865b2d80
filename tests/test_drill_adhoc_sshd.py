"""An ad-hoc drill (`drill --strategy ...`) on a real sshd fleet whose recovery exceeds
the system's RTO: its report and last line say so plainly, and it exits 1."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import tomli_w

from console.engine.listing import list_incidents
from console.engine.session import Engine
from console.journal.lock import SystemLocks
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.incident_rows import _outcome as incident_outcome
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd

ADHOC = ("drill", "--systems", "app", "--strategy", "release-rollback")
ADHOC += ("--trigger", "user-impact", "--reason", "game day", "--yes", "--quiet")


async def test_an_ad_hoc_drill_over_its_rto_says_drill_failed_not_failed_rolled_back(
    sshd_server, tmp_path
):
    """Walked on a README fleet: the last line read 'ID: FAILED: rolled back and
    verified' (which failed?), the recovery line gave no target, 'data integrity: 0
    record(s), 0 mismatch(es)' read as checked; and the home screen listed it '✔ rolled
    back' (no drill.judged: only a scenario's verdict was read), and `list` said neither
    that it was a drill nor that it failed."""
    fleet = staging_fleet(sshd_server, tmp_path)
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    inventory["systems"][0]["rto_minutes"] = 0.001  # 0.06 s: any rollback exceeds it
    path.write_text(tomli_w.dumps(inventory))
    for sandbox in fleet.sandboxes.values():  # the bad release is live
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/1.1")

    result = fleet.cli(*ADHOC)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    recovery = next(ln for ln in lines if ln.startswith("  app: recovered in "))
    assert re.fullmatch(
        r"  app: recovered in \d+\.\d s from the trigger, target 0\.06 s: target exceeded ✘",
        recovery,
    ), recovery
    assert "  data integrity: not checked: the strategy recorded none" in lines
    assert re.search(
        r": DRILL FAILED: recovery of app: target exceeded \(\d+\.\d s, target 0\.06 s\);"
        r" closed as rolled back and verified; journal ",
        lines[-1],
    ), lines[-1]

    # the home screen's list (and `list`): a failed drill is never a tick
    [summary] = list_incidents(fleet.state / "incidents", SystemLocks(fleet.state / "locks"))
    assert summary.drill_failed and incident_outcome(summary) == "✘ drill failed"
    listed = fleet.cli("list")  # the drill history, headless: labelled, its verdict first
    assert listed.returncode == 0, listed.stderr
    assert (
        f"{summary.incident_id}  DRILL FAILED; rolled back and verified  DRILL User impact"
        in listed.stdout
    ), listed.stdout
    [record] = json.loads(fleet.cli("list", "--json").stdout)["incidents"]
    assert (record["drill"], record["drill_failed"]) == (True, True)

    # the console, opened on it (r): its bar says the drill failed before "verified"
    settings = load_settings(fleet.config)
    engine = Engine(settings, fleet.state / "incidents", lock_dir=fleet.state / "locks")
    app = make_app(settings, engine, resume=summary.path, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.conductor is not None)
            bar = str(app.screen.query_one(IncidentBar).render())
    finally:
        await engine.close()
    assert "■ closed: DRILL FAILED; rolled back" in bar, bar
