"""A command probe that prints NaN (a rate over no requests, as Prometheus gives it) has
read nothing: seen on real sshd, `web/error-rate command nan > 0.05 healthy` while
another host read 0.31, six times the threshold (max() of NaN first is NaN, and NaN
breaches nothing), so its error-threshold trigger never fired and a soak would pass."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from console.cli import main
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


def test_a_number_no_threshold_judges_is_said_and_a_log_trigger_so_is_warned(
    sshd_server, tmp_path: Path, capsys
) -> None:
    """Walked as a new user: a row count of damaged orders with no threshold, neither on
    the probe nor on its data-corruption trigger, read `3  –  healthy  data-corruption
    0/2`, and check-config said nothing; the trigger could never fire. `probe` now says
    why no number is bad; a trigger on a log probe (a count, always) is warned of."""
    probes = [
        {"name": "damaged", "kind": "command", "command": "cat damaged"},
        {"name": "errors", "kind": "log", "path": "app.log", "pattern": "ERROR"},
    ]
    triggers = {
        "triggers": [
            {"name": "rows", "kind": "data-corruption", "system": "app", "probe": "damaged"},
            {"name": "errs", "kind": "error-threshold", "system": "app", "probe": "errors"},
        ]
    }
    files = {
        "strategies.toml": STRATEGIES,
        "procedure.toml": FLAG_PROCEDURE,
        "triggers.toml": triggers,
    }
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=probes)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "damaged").write_text("3\n")
        os.chown(sandbox / "damaged", sshd_server.account.uid, sshd_server.account.gid)
    assert main(["probe", "--config", str(fleet.config)]) == 0
    table = capsys.readouterr().out
    [row] = [line for line in table.splitlines() if line.startswith("app/damaged")]
    assert row.split()[2:5] == ["3", "–", "healthy"], row
    assert "no threshold: no number it reads is bad (threshold in inventory.toml)" in row
    assert main(["check-config", str(fleet.config)]) == 0
    checked = capsys.readouterr().err
    written = (fleet.config / "triggers.toml").read_text().splitlines()
    line = next(n for n, text in enumerate(written, 1) if '"errs"' in text)
    assert (
        f"warning: {fleet.config / 'triggers.toml'}:{line}: triggers[1].name: trigger 'errs':"
        " neither it nor probe app/errors sets a threshold, so no count of matches fires it"
        " (give one of them `threshold`: 0 fires on any match)\n"
    ) in checked
    assert "trigger 'rows'" not in checked  # a command probe may judge by words
