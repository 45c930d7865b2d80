"""An undo's integrity match says what it matched, wherever it is read. Walked on a README
fleet (real sshd, a data-touching strategy of its own): `run`, then `undo ... restore`,
whose lines read `integrity after: match (orders=3): the rows of orders the same as before
restore ran`; the document's Data integrity row of restore.undo read `match` alone, and
the console's integrity screen (F3, i) `✔ match` with nothing under the table, where the
restore's own match had its line."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from console.model.clock import FixedClock
from console.ui.follow import make_follow_app
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_ui_support import START, open_assessment, until

pytestmark = pytest.mark.sshd

SUMMARY = "rows.orders=$(wc -l < orders)"
ORDERS_FIX = {
    "name": "orders-fix",
    "kind": "custom",
    "description": "Rewrite the orders file, keeping its rows",
    "data_touching": True,
    "commands": {
        "precheck": f'cp orders .orders.bak && echo "integrity stage=before {SUMMARY}"',
        "action": "sed 's/cup/mug/' orders > o.new && mv o.new orders",
        "verify": f'echo "integrity stage=after {SUMMARY}"',
        "undo": f'cp .orders.bak orders && echo "integrity stage=after {SUMMARY}"',
    },
}
MATCHED = "the rows of orders the same as before restore ran"


async def test_an_undos_match_says_what_it_matched(sshd_server, tmp_path) -> None:
    files = {"strategies.toml": {"strategies": [ORDERS_FIX]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["orders-fix"], probes=[])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "orders").write_text("1 cup\n2 saucer\n3 cup\n")
        (sandbox / "orders").chmod(0o666)
    journal = tmp_path / "inc"
    ran = fleet.cli(
        "run", "--systems", "app", "--strategy", "orders-fix", "--trigger", "data-corruption",
        "--reason", "orders rewritten", "--yes", "--journal", str(journal),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    undone = fleet.cli("undo", str(journal), "restore", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert set(fleet.written("orders").values()) == {"1 cup\n2 saucer\n3 cup\n"}
    # headless: the undo's line says it (as it did)
    assert f"app-1        integrity after: match (orders=3): {MATCHED}" in undone.stdout

    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    rows = [
        line
        for line in document.split("## Data integrity")[1].split("\n## ")[0].splitlines()
        if line.startswith("| app-1 |")
    ]
    assert [row.split(" | ")[1] for row in rows] == ["restore", "restore.undo"], rows
    assert all(row.endswith(f"| match: {MATCHED} |") for row in rows), rows

    app = make_follow_app(journal / "journal.jsonl", FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_assessment(app, pilot)
        table = app.screen.query_one("#integrity", DataTable)
        await until(pilot, lambda: table.row_count == 6)  # 2 befores, 2 afters, 2 undos'
        rows = [table.get_row_at(i) for i in range(6)]
        undos = [row for row in rows if str(row[3]) == "restore.undo"]
        lines = str(app.screen.query_one("#integrity-recovery", Static).render())
    assert [str(row[1]) for row in undos] == ["✔ match", "✔ match"], undos
    # under the table, as the restore's own match: what each was held to
    assert sorted(lines.splitlines()) == [
        f"app-1 (restore): match: {MATCHED}",
        f"app-1 (restore.undo): match: {MATCHED}",
        f"app-2 (restore): match: {MATCHED}",
        f"app-2 (restore.undo): match: {MATCHED}",
    ], lines
