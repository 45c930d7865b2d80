"""A procedure with a strategy step for each system's own strategy, walked for one system:
the steps of the others' strategies are skipped, saying why, and nothing is sent for them.
Walked as a new user (web, api, db, a step each: `strategy = "checkout-off"` for api ...),
`run --systems web` rolled every web host back, then met the api step and closed the
incident as `refused: strategy 'checkout-off' applies to none of the selected hosts`, exit
2, which says nothing was sent; its dry run stopped there, exit 2, and check-config had
said ok. A drill of a scenario (helper 215: a db-restore drill beside a web procedure's
checkout-off step) stopped there the same way, exit 2, no verdict, its incident closed as
refused."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.loading import load_settings
from console.model.payloads import StepSkipped
from console.model.state import fold
from console.ui.checklist_todo import current_todo
from tests.cli_fleet import FLIP, Fleet, checklist, write_fleet

pytestmark = pytest.mark.sshd

PROCEDURE = checklist(
    {"id": "restore", "title": "Restore (app)", "kind": "strategy", "strategy": "flip"},
    {"id": "off", "title": "Flags off (api)", "kind": "strategy", "strategy": "off"},
)
OFF = {"name": "off", "kind": "custom", "commands": {"action": "touch flags-off"}}
STRATEGIES = {"strategies": [FLIP, OFF]}
SKIPPED = (
    "not for this incident's systems (app): its strategy off is listed by api only"
    " (inventory.toml); nothing sent"
)


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    inventory = fleet.config / "inventory.toml"
    data = tomllib.loads(inventory.read_text())
    api = {**data["systems"][0], "name": "api", "strategies": ["off"]}
    api["hosts"] = [{**api["hosts"][0], "name": "api-1"}]
    data["systems"].append(api)
    inventory.write_text(tomli_w.dumps(data))
    return fleet


def run(fleet: Fleet, *extra: str):
    return fleet.cli(
        "run", "--systems", "app", "--trigger", "user-impact", "--reason", "checkout errors",
        "--journal", str(fleet.state / "incident"), *extra,
    )  # fmt: skip


def test_a_step_of_another_systems_strategy_is_skipped_saying_why(fleet: Fleet) -> None:
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    dry = run(fleet, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert (
        f"## Rollback execution: Flags off (api) [strategy]\n# skipped, {SKIPPED}\n" in dry.stdout
    )

    result = run(fleet, "--yes")
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert f"off        skipped step “Flags off (api)”: {SKIPPED}\n" in said, said
    assert "rolled back and verified" in said.splitlines()[-1], said
    assert all((s / "release").read_text() == "2.4.0\n" for s in fleet.sandboxes.values())
    assert not any((s / "flags-off").exists() for s in fleet.sandboxes.values())

    events = read_journal(fleet.state / "incident").events
    skipped = [e for e in events if isinstance(e.data, StepSkipped)]
    assert [(e.where.step, e.data.reason) for e in skipped] == [("off", SKIPPED)]

    # the console's checklist, at that step, says what its Enter does there
    before = fold(events[: events.index(skipped[0])])
    incident = SimpleNamespace(settings=load_settings(fleet.config), state=before, running=set())
    step = incident.settings.procedure.step("off")
    todo = current_todo(incident, step, lambda binding: "s")  # type: ignore[arg-type]
    assert todo == "Not for this incident's systems: Enter skips it, saying why; nothing is sent"


def test_a_drill_skips_a_step_of_another_systems_strategy(fleet: Fleet) -> None:
    scenario = {"name": "s", "systems": ["app"], "strategy": "flip", "trigger": "user-impact"}
    drills = {"scenarios": [scenario | {"reason": "drill", "expect": "verified"}]}
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(drills))
    result = fleet.cli("drill", "--scenario", "s")
    said = result.stdout + result.stderr
    assert result.returncode == 1, said  # judged: no stability check times the recovery
    assert f"off        skipped step “Flags off (api)”: {SKIPPED}\n" in said, said
    assert "  outcome    expected rolled back and verified · actual rolled back and" in said
    assert "  left  " not in said, said  # its rollback, named so, is no step left behind
    assert not any((s / "flags-off").exists() for s in fleet.sandboxes.values())
