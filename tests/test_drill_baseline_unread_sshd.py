"""An integrity baseline a host could not give is no tick on the drill's data (real sshd).
Walked (helper-162): a scenario's integrity command that failed on its hosts (the file
it reads not there) stopped the drill before its fault, as it should, and the report
read 'integrity  0 record(s), 0 mismatch(es) ✔' (`--json`: integrity ok true): the data
said checked and fine where nothing had been read. Failing on one host of two, the
other's baseline read, it said the same of that one."""

from __future__ import annotations

import copy
import json

import pytest

from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd


@pytest.mark.parametrize(
    ("unread", "summary"),
    [
        ("*", "0 record(s), 0 mismatch(es), no baseline from app-1, app-2 (not read) ✘"),
        ("*/app-2-*", "2 record(s), 0 mismatch(es), no baseline from app-2 (not read) ✘"),
    ],
    ids=["every host", "one host"],
)
def test_a_baseline_not_read_fails_the_data_check(sshd_server, tmp_path, unread, summary):
    drills = copy.deepcopy(DRILLS)
    integrity = drills["scenarios"][0]["integrity"]
    integrity["command"] = f'case "$PWD" in {unread}) exit 1;; esac; {integrity["command"]}'
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    said = fleet.cli("drill")
    assert said.returncode == 1, said.stdout + said.stderr
    assert f"\n  integrity  {summary}\n" in said.stdout, said.stdout
    # why, as the timeline says it: the report's finding read only 'none from app-2'
    assert "\n  ✘ integrity baseline: none from app-2 (exit status 1)\n" in said.stdout, said.stdout
    as_json = json.loads(fleet.cli("drill", "--json").stdout)
    [verdict] = as_json["drills"]
    assert verdict["integrity"]["ok"] is False, verdict["integrity"]
    assert not verdict["passed"] and as_json["exit_status"] == 1
