"""A command probe that prints NaN (a rate over no requests, as Prometheus gives it) has
read nothing: seen on real sshd, `web/error-rate command nan > 0.05 healthy` while
another host read 0.31, six times the threshold (max() of NaN first is NaN, and NaN
breaches nothing), so its error-threshold trigger never fired and a soak would pass."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet

pytestmark = pytest.mark.sshd

STRATEGIES = {"strategies": [{"name": "release", "kind": "version-rollback"}]}
PROBES = [{"name": "error-rate", "kind": "command", "command": "cat errors", "threshold": 0.05}]


def _rows(fleet) -> dict[str, dict]:
    probe = fleet.cli("probe", "--json")
    assert probe.returncode == 0, probe.stderr
    return {p["probe"]: p for p in json.loads(probe.stdout)["probes"]}


def test_nan_is_not_read_and_hides_no_other_host(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=PROBES)

    def serve(values: dict[str, str]) -> None:
        for host, value in values.items():
            errors = fleet.sandboxes[host] / "errors"
            errors.write_text(f"{value}\n")
            os.chown(errors, sshd_server.account.uid, sshd_server.account.gid)

    serve({"app-1": "NaN", "app-2": "0.31"})
    bad = _rows(fleet)["app/error-rate"]
    assert (bad["state"], bad["value"]) == ("bad", 0.31), bad
    assert bad["hosts"]["app-1"]["error"] == "printed 'NaN': not a number to judge", bad

    serve({"app-1": "nan", "app-2": "0.01"})
    blind = _rows(fleet)["app/error-rate"]
    assert blind["state"] == "inconclusive", blind
    assert "app-1: printed 'nan'" in blind["detail"], blind
    table = fleet.cli("probe").stdout
    assert "healthy" not in table and "1 not read" in table, table
