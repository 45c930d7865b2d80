"""The pre-deployment gate after a drill that failed (real sshd, the README's CI command):
a drill passed, then the same scenario failed (the release it rolls back to turned bad),
and `drill --gate` still opened on the earlier pass, within its window: the pipeline would
deploy over a rollback just found broken. Now the latest drill must have passed. A
monthly cadence of the same scenario read `FAILED ... ok` in one row until next month: the
latest failed, it is OVERDUE now (helper 229)."""

from __future__ import annotations

import json

import pytest

from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd


def test_the_gate_closes_after_a_failed_drill_until_one_passes_again(sshd_server, tmp_path):
    monthly = {"scenario": "bad-release", "cadence": "monthly"}
    fleet = staging_fleet(
        sshd_server, tmp_path, {**DRILLS, "schedule": [*DRILLS["schedule"], monthly]}
    )
    passed = fleet.cli("drill", "--gate", "--systems", "app", "--run")
    assert passed.returncode == 0 and "gate open: app" in passed.stdout, passed.stdout

    for sandbox in fleet.sandboxes.values():  # the good release breaks
        (sandbox / "releases" / "1.0" / "health").write_text("bad\n")
    failed = fleet.cli("drill")
    assert failed.returncode == 1 and "DRILL bad-release: FAILED" in failed.stdout

    gate = fleet.cli("drill", "--gate", "--systems", "app")
    assert gate.returncode == 1, gate.stdout + gate.stderr
    line, closed = gate.stdout.splitlines()
    assert line.startswith("app before-deploy (12 h): the last bad-release drill FAILED "), line
    assert "the one that passed " in line and "no longer counts" in line, line
    # and why it failed: an abort (Ctrl+C) read the same as a rollback found broken
    first = next(x for x in failed.stdout.splitlines() if x.startswith("  ✘ "))
    assert f" ({first.removeprefix('  ✘ ')}): the one that passed " in line, (first, line)
    assert closed == "gate CLOSED: app"
    status = fleet.cli("drill", "--status", "--json")
    rows = [(r["cadence"], r["standing"], r["result"]) for r in json.loads(status.stdout)["status"]]
    assert rows == [("before-deploy (12 h)", "DUE", "failed"), ("monthly", "OVERDUE", "failed")]
    table = fleet.cli("drill", "--status")
    assert table.returncode == 1, table.stdout + table.stderr
    lines = table.stdout.splitlines()  # each row's standing, its last drill under it
    at = next(n for n, x in enumerate(lines) if x.split()[:2] == ["app", "monthly"])
    assert lines[at].split()[-2:] == ["now", "OVERDUE"], lines
    assert lines[at + 1].startswith("  bad-release: last drill "), lines
    assert lines[at + 1].endswith(" FAILED"), lines  # no recovery measured
    said = "failed: app before-deploy (12 h), monthly (bad-release): the last drill FAILED "
    assert said in table.stdout and "no longer counts" in table.stdout, table.stdout

    # --run drills it again: still broken, still closed; fixed, it opens
    assert fleet.cli("drill", "--gate", "--systems", "app", "--run").returncode == 1
    for sandbox in fleet.sandboxes.values():
        (sandbox / "releases" / "1.0" / "health").write_text("ok\n")
    again = fleet.cli("drill", "--gate", "--systems", "app", "--run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "DRILL bad-release: PASSED" in again.stdout and "gate open: app" in again.stdout
