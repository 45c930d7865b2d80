"""The home screen's systems at 80x24 with a 46-character system name and a 51-character
strategy: seen on a real sshd fleet, 'web' read '3  version-rollback-w' and every RTO was
off the edge. Names and strategies past their room are cut in the middle."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from console.model.settings import Settings
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    until,
)

SYSTEM = "payments-ledger-reconciliation-service-eu-west"


async def test_every_system_keeps_its_rto_on_80_columns(tmp_path: Path) -> None:
    data = demo_settings().dumped()
    data["inventory"]["systems"].append(
        {
            "name": SYSTEM,
            "strategies": ["version-rollback"],
            "rto_minutes": 30,
            "hosts": [{"name": "payments-ledger-reconciliation-eu-west-1a-001"}],
        }
    )
    app = build_app(Settings.validated(data), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#systems", DataTable)
        await until(pilot, lambda: table.row_count == 4)
        width = table.scrollable_content_region.width
        assert table.virtual_size.width <= width, (table.virtual_size, width)
        system = [str(c) for c in table.get_row(SYSTEM)]
        assert (
            system[0].startswith("payments") and "…" in system[0] and system[0].endswith("eu-west")
        ), system
        assert system[3] == "30 min", system


async def test_systems_named_alike_keep_where_they_differ(tmp_path: Path) -> None:
    """Two systems whose names differ mid-name (eu, us) both read `payments…nciliation`:
    which one to start the rollback on could not be told at 80 columns."""
    data = demo_settings().dumped()
    for region in ("eu", "us"):
        data["inventory"]["systems"].append(
            {
                "name": f"payments-{region}-ledger-reconciliation",
                "strategies": ["version-rollback"],
                "hosts": [{"name": f"ledger-{region}-1"}],
            }
        )
    app = build_app(Settings.validated(data), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#systems", DataTable)
        await until(pilot, lambda: table.row_count == 5)
        eu, us = (
            str(table.get_row(f"payments-{r}-ledger-reconciliation")[0]) for r in ("eu", "us")
        )
    assert eu != us, (eu, us)
    assert "-eu-" in eu and "-us-" in us, (eu, us)
