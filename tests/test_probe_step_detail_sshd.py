"""The checklist's detail of a stability check (a probe step) says what it holds and for how
long: it said only "Hosts: 1 in db", and the commander learned which probes judge it, how
many healthy rounds it needs and how far apart only once it ran (seen on a README fleet at
80x24, a migration reversal on PostgreSQL). Real OpenSSH sshd; a command probe on each host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES, run
from tests.test_resume_closed_unknown import resumed
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd

PROBES = [
    {"name": "health", "title": "Health", "kind": "command", "command": "echo ok", "interval": 2},
    {"name": "queue", "title": "Queue", "kind": "command", "command": "echo 3", "interval": 4,
     "threshold": 100},
]  # fmt: skip


async def test_a_stability_checks_detail_names_its_probes_rounds_and_spacing(
    sshd_server, tmp_path: Path
) -> None:
    procedure = json.loads(json.dumps(PROCEDURE))
    verify = {"id": "verify", "title": "Verify stability", "kind": "probe"}
    procedure["phases"][1]["steps"].append(verify | {"soak": {"samples": 2, "max_samples": 5}})
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=PROBES)
    result = run(fleet, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    journal = fleet.state / "incident" / "journal.jsonl"
    async with resumed(fleet.config, journal) as (app, pilot, _said):
        steps = app.screen.query_one("#steps", OptionList)
        index = next(
            i for i in range(steps.option_count) if steps.get_option_at_index(i).id == "verify"
        )
        steps.highlighted = index
        await until(pilot, lambda: "Holds" in str(app.screen.query_one("#step-detail").render()))
        detail = " ".join(str(app.screen.query_one("#step-detail").render()).split())
    # The slowest probe spaces the rounds (no interval of its own): 4 s.
    assert (
        "Holds app/health, app/queue healthy 2 rounds in a row (at most 5, 4 s apart)" in detail
    ), detail
