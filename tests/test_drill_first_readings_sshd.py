"""A drill's detection by probes that judge by their first reading (real sshd): a checksum
probe without `expected` compares each reading with the first (its last known good), a log
probe counts the lines written since its first. Walked on a README fleet (helper-127): the
drill read them first after its fault, so the damaged checksum became the known good and
the error lines the log's baseline; nothing fired, the drill declared the trigger itself and
FAILED 'expected data-corruption to fire from its probe'. They are read before the faults."""

from __future__ import annotations

import copy
import tomllib

import pytest
import tomli_w

from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd

PROBES = [
    {"name": "data-sum", "kind": "checksum", "path": "data.txt", "interval": 0.2},
    {
        "name": "errors",
        "kind": "log",
        "path": "app.log",
        "pattern": "ERROR",
        "interval": 0.2,
        "threshold": 0.0,
    },
]
TRIGGERS = {
    "soak": {"samples": 2, "interval": 0.2},
    "triggers": [
        {
            "name": "data",
            "kind": "data-corruption",
            "system": "app",
            "probe": "data-sum",
            "consecutive": 1,
        },
        {
            "name": "errs",
            "kind": "error-threshold",
            "system": "app",
            "probe": "errors",
            "consecutive": 1,
        },
    ],
}


def _scenario(name: str, trigger: str, fault: str) -> dict:
    scenario = copy.deepcopy(DRILLS["scenarios"][0])
    scenario |= {"name": name, "trigger": trigger, "scope": "strategy"}
    scenario.pop("integrity")
    scenario["faults"] = [{"name": name, "command": fault, "undo": "true", "systems": ["app"]}]
    return scenario


@pytest.mark.parametrize(
    ("scenario", "trigger", "fault"),
    [
        ("damaged-data", "data-corruption", "echo 'order 4 (damaged)' >> data.txt"),
        ("error-lines", "error-threshold", "echo 'ERROR boom' >> app.log"),
    ],
)
def test_a_drill_reads_its_baseline_probes_before_the_fault(
    sshd_server, tmp_path, scenario, trigger, fault
):
    drills = {"scenarios": [_scenario(scenario, trigger, fault)]}
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    data = tomllib.loads((fleet.config / "inventory.toml").read_text())
    data["systems"][0]["probes"] = PROBES
    (fleet.config / "inventory.toml").write_text(tomli_w.dumps(data))
    (fleet.config / "triggers.toml").write_text(tomli_w.dumps(TRIGGERS))
    for sandbox in fleet.sandboxes.values():
        (sandbox / "app.log").write_text("INFO started\n")
        (sandbox / "app.log").chmod(0o666)
        (sandbox / "data.txt").chmod(0o666)
    result = fleet.cli("drill", "--scenario", scenario)
    out = result.stdout
    assert f"  trigger    expected {trigger} · actual {trigger} (fired from its probe) ✔" in out, (
        out + result.stderr
    )
    assert f"DRILL {scenario}: PASSED" in out
    assert result.returncode == 0
