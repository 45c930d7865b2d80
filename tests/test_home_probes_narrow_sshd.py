"""The home screen's probe table at 80x24, every column in view. Walked on a README fleet
of 120 real sshd hosts, one of them down (helper-138): the fleet's probe read
`117/118 ok · 1 unreachable`, and the State's end, Streak and Recent were cut off at the
right edge, with no way to scroll to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.settings import Settings
from console.ui.widgets.probe_table import ProbeTable
from tests import sshd as sshd_mod
from tests.fleet_settings import sshd_settings
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd
HOSTS = {"web-1": "web", "web-2": "web"}


def with_a_host_down(settings: Settings) -> Settings:
    """web with a third host whose port nothing listens on, and one word probe."""
    data = settings.dumped()
    [web] = data["inventory"]["systems"]
    web["hosts"].append({**web["hosts"][0], "name": "web-3", "port": sshd_mod._free_port()})
    web["probes"] = [
        {"name": "health", "title": "Health check", "kind": "command", "command": "echo ok"}
    ]
    data["triggers"]["triggers"] = []
    return Settings.validated(data)


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_a_probe_with_a_host_unreachable_fits_80_columns(tmp_path: Path, sshd_server) -> None:
    settings, _ = sshd_settings(sshd_server, HOSTS)
    app = build_app(with_a_host_down(settings), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["web/health"]
        await until(pilot, lambda: reading.state == "inconclusive", 30)
        await pilot.pause(0.2)
        table = app.screen.query_one("#probes", ProbeTable)
        assert table.virtual_size.width <= table.size.width, (table.virtual_size, table.size)
        lines = screen_lines(app)
        [header] = [line for line in lines if "Threshold" in line]
        assert "State" in header and "Streak" in header, lines
        [row] = [i for i, line in enumerate(lines) if "Health check" in line]
        assert "2/3 ok" in lines[row] and "? inconclusive" in lines[row], lines
        assert "· 1 unreachable" in lines[row + 1], lines


def long_named(settings: Settings) -> Settings:
    """web and api renamed as a real fleet names them, 38 characters each, a probe each."""
    data = settings.dumped()
    for system in data["inventory"]["systems"]:
        region = {"web": "eu-west", "api": "us-east"}[system["name"]]
        system["name"] = f"payments-ledger-reconciliation-{region}"
        system["probes"] = [
            {"name": "health", "title": "Health check", "kind": "command", "command": "echo ok"}
        ]
    data["triggers"]["triggers"] = []
    data["drills"] = {}
    return Settings.validated(data)


async def test_long_system_names_leave_every_column_in_view(tmp_path: Path, sshd_server) -> None:
    """Walked on a real sshd fleet from `init` at 80x24: with systems of 38 characters the
    probe table's State read `✔ he`, Streak and Recent off the edge."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "api-1": "api"})
    app = build_app(long_named(settings), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        readings = app.live.watcher.readings
        await until(pilot, lambda: all(r.state == "healthy" for r in readings.values()), 30)
        await pilot.pause(0.2)
        table = app.screen.query_one("#probes", ProbeTable)
        assert table.virtual_size.width <= table.size.width, (table.virtual_size, table.size)
        lines = screen_lines(app)
        [header] = [line for line in lines if "Threshold" in line]
        assert "State" in header and "Streak" in header, lines
        rows = [line for line in lines if "Health check" in line]
        assert len(rows) == 2 and all("✔ healthy" in row for row in rows), lines
        assert "eu-west" in rows[0] + rows[1] and "us-east" in rows[0] + rows[1], lines
