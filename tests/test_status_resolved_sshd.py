"""A status update's summary says what the hosts went back to, when the commander
confirmed it: walked at 80x24 on 4 sshd hosts, a version rollback whose `previous` was
resolved to 2.9.1 (and the strategy chosen again with it) sent 'app by version-rollback:
4 hosts succeeded', which release nobody reading the channel could tell. It now says 'app
by version-rollback to 2.9.1: 4 hosts succeeded'; where the run kept `previous` (some
hosts had nothing to do) no release is named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.model.loading import load_settings
from tests.test_needed_nothing_sshd import HOSTS, STRATEGIES, colleagues_incident, releases_fleet
from tests.test_resolve_release_sshd import confirmation
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path):
    """The releases fleet, its procedure with a status update after the restore that
    writes its message (the summary) to status.log on the jump host."""
    fleet = releases_fleet(sshd_server, tmp_path, STRATEGIES, HOSTS)
    procedure = tomllib.loads((fleet.config / "procedure.toml").read_text())
    steps = procedure["phases"][1]["steps"]
    tell = {
        "id": "tell",
        "title": "Communicate status",
        "kind": "notify",
        "message": "{{summary}}",
        "command": f"echo {{{{message}}}} >> {tmp_path / 'status.log'}",
    }
    steps.insert([s["id"] for s in steps].index("restore") + 1, tell)
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure))
    return fleet


async def restored_then_told(fleet, tmp_path: Path) -> str:
    """The console's walk (the confirmation, y), then the status update: what it sent."""
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Resolved: target=previous" in await confirmation(app, pilot)
        await pilot.press("y")
        conductor = app.conductor
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 60)
        assert await conductor.run_step("tell")
    return (tmp_path / "status.log").read_text()


async def test_the_summary_names_the_release_confirmed(fleet, tmp_path):
    told = await restored_then_told(fleet, tmp_path)
    assert "; app by version-rollback to 2.9.1: 4 hosts succeeded" in told, told


async def test_no_release_is_named_where_the_run_kept_previous(fleet, tmp_path):
    colleagues_incident(fleet, tmp_path)  # app-1, app-2 rolled back already: nothing to do
    # its own update named 2.9.1: headless run pins what its hosts agreed on, as the console
    (tmp_path / "status.log").unlink()
    told = await restored_then_told(fleet, tmp_path)
    assert "; app by version-rollback: 4 hosts: 2 needed nothing" in told, told
    assert " to 2.9.1" not in told
