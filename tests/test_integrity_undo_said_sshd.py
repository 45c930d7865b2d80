"""An undo's integrity match says what it matched, wherever it is read. Walked on a README
fleet (real sshd, a data-touching strategy of its own): `run`, then `undo ... restore`,
whose lines read `integrity after: match (orders=3): the rows of orders the same as before
restore ran`; the document's Data integrity row of restore.undo read `match` alone, and
the console's integrity screen (F3, i) `✔ match` with nothing under the table, where the
restore's own match had its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.ui.follow import make_follow_app
from console.ui.screens.confirm_run import RunConfirm
from console.ui.widgets.host_grid import HostGrid
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, write_fleet
from tests.test_ui_support import (  # noqa: F401
    START,
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_assessment,
    open_incident,
    until,
)

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


def _orders_fleet(sshd_server, root: Path) -> Fleet:
    """Two sshd hosts, each with an orders file of three rows; orders-fix applies."""
    files = {"strategies.toml": {"strategies": [ORDERS_FIX]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, root, files, strategies=["orders-fix"], probes=[])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "orders").write_text("1 cup\n2 saucer\n3 cup\n")
        (sandbox / "orders").chmod(0o666)
    return fleet


async def test_an_undos_match_says_what_it_matched(sshd_server, tmp_path) -> None:
    fleet = _orders_fleet(sshd_server, tmp_path)
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


async def test_a_hosts_last_line_is_its_latest_record_where_it_says_nothing_else(
    sshd_server, tmp_path
) -> None:
    """Walked at 80x24 in the console on the same fleet: orders-fix's restore done, every
    line it printed an integrity record, the execution grid's Last line read `integrity
    stage=before rows.…`, the precheck's, beside Stage `verify`. A record gives way to a
    newer one (a line that says what the host did, `restored to ...`, to none)."""
    fleet = _orders_fleet(sshd_server, tmp_path)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.choose_strategy("orders-fix")
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        restore = app.conductor.state.step("restore")
        await until(pilot, lambda: restore.finished is not None, 60)
        await app.push_screen("execution")
        await until(pilot, lambda: app.screen.query("#grid"))
        grid = app.screen.query_one("#grid", HostGrid)
        await until(pilot, lambda: grid.row_count == 2)
        last = {h: str(grid.get_cell(h, "Last line")) for h in ("app-1", "app-2")}
        stage = {h: str(grid.get_cell(h, "Stage")) for h in ("app-1", "app-2")}
    assert stage == {"app-1": "verify", "app-2": "verify"}, stage
    assert all(line.startswith("integrity stage=after") for line in last.values()), last
