"""A data-touching strategy whose host printed no summary before the change: its after is
recorded with nothing to judge it by, and the rollback document says why, not that
nothing was expected of it (it read 'recorded, not judged: nothing was expected of it',
the words for a recovery to a point in time, where the before was simply missing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from tests.cli_fleet import write_fleet
from tests.test_integrity_waves_sshd import PROCEDURE

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "restore-orders",
            "kind": "custom",
            "data_touching": True,
            "commands": {
                # a host with a `quiet` file says nothing of its data before
                "precheck": "test -e quiet || echo 'integrity stage=before rows.orders=3'",
                "action": "echo restored > data",
                "verify": "echo 'integrity stage=after rows.orders=3'",
            },
        }
    ]
}


def test_an_after_with_no_before_says_why_it_was_not_judged(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["restore-orders"], probes=[])
    (fleet.sandboxes["app-2"] / "quiet").write_text("")
    journal = fleet.state / "incident"
    result = fleet.cli(
        "run", "--systems", "app", "--strategy", "restore-orders", "--trigger", "data-corruption",
        "--reason", "orders damaged", "--yes", "--journal", str(journal),
    )  # fmt: skip
    events = read_journal(journal / "journal.jsonl").events
    document = EXPORT_FORMATS["markdown"].render(events, False)
    section = document.split("## Data integrity", 1)[1].split("\n## ", 1)[0]
    [app_1] = [line for line in section.splitlines() if line.startswith("| app-1 |")]
    [app_2] = [line for line in section.splitlines() if line.startswith("| app-2 |")]
    assert "match" in app_1, section
    assert "nothing was expected" not in app_2, result.stdout + section
    assert "no integrity summary before the change" in app_2, section
