"""`rollback-console probe` on real sshd, as a commander on the jump host reads it: a bad
round names the hosts whose own value is bad. Seen on a README fleet: `shop/error-rate
command 0.4 > 0.05 bad error-threshold 1/2`, with no word of which of four hosts read 0.4
(the console's alert named them; the table did not)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet

pytestmark = pytest.mark.sshd

STRATEGIES = {"strategies": [{"name": "release", "kind": "version-rollback"}]}
PROBES = [{"name": "error-rate", "kind": "command", "command": "cat errors", "threshold": 0.05}]


def test_a_bad_round_names_the_hosts_whose_value_is_bad(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=PROBES)
    for host, value in {"app-1": "0.01", "app-2": "0.4"}.items():
        errors = fleet.sandboxes[host] / "errors"
        errors.write_text(f"{value}\n")
        os.chown(errors, sshd_server.account.uid, sshd_server.account.gid)
    probe = fleet.cli("probe")
    assert probe.returncode == 0, probe.stderr
    row = next(line for line in probe.stdout.splitlines() if line.startswith("app/error-rate"))
    assert row.split()[2:5] == ["0.4", ">", "0.05"] and " bad " in row, row
    assert row.endswith("bad on app-2 0.4"), row

    (fleet.sandboxes["app-2"] / "errors").write_text("0.02\n")
    healthy = fleet.cli("probe").stdout
    assert "bad on" not in healthy and " healthy" in healthy, healthy
