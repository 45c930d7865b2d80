"""A headless run on a trigger given by hand reads the probes as the incident opens, on
real sshd. Nothing watched them before it (the console's home screen does, and gives its
incident what it read), so the document had no probe's before for a host the rollback
reached before any probe was read (`app/errors | – | 0.01 | app-1`), no first bad sample,
and said the console and a headless run give the same document while they did not
(helper-152, six sshd hosts). Detection is the earlier of the declaration and the first
bad sample: here the declaration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_wave_probes_sshd import _fleet, _run

pytestmark = pytest.mark.sshd


def test_a_headless_runs_document_has_every_hosts_probe_before(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, broken=False)
    done = _run(fleet, tmp_path / "inc")
    assert done.returncode == 0, done.stdout + done.stderr
    exported = fleet.cli("export", str(tmp_path / "inc"), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)["document"]
    changes = document["systems"][0]["changes"]
    errors = {h: (c["before"], c["after"]) for c in changes if c["key"] == "app/errors"
              for h in c["hosts"]}  # fmt: skip
    # app-2's wave was the last: no probe step reads after it in this procedure.
    assert errors == {"app-1": ("0.31", "0.01"), "app-2": ("0.31", None)}, changes
    milestones = {m["name"]: m for m in document["milestones"]["milestones"]}
    assert milestones["impact_detected"]["at"] is not None
    intervals = {i["name"]: i for i in document["milestones"]["intervals"]}
    # The probes were read once the incident was declared: detection is the declaration.
    assert intervals["time_to_mitigate"]["start"] == "trigger_declared", intervals
