"""The trigger screen says a trigger whose probe reads nothing is blind, not quiet (real
sshd, 80x24). Walked on a real fleet whose application had stopped answering: every host's
probe failed, the home screen's table read `? inconclusive · 3 not read`, and the trigger
screen `○ quiet  Critical error threshold exceeded · web/error-rate = – · 3 not read`,
then 'None of these automatic triggers has fired': calm words for a watch that sees
nothing, and so can fire nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import DataTable

from console.model.loading import load_settings
from console.model.watch import SampleState
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.one_line import OneLine
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_a_probe_that_reads_nothing_is_said_blind(sshd_server, tmp_path: Path):
    fleet = staging_fleet(sshd_server, tmp_path)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "current").unlink()  # `cat current/health` fails on every host
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/health"]
        await until(pilot, lambda: reading.last is not None, 60)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#auto-error-threshold", OneLine).render())
        summary = str(app.screen.query_one("#auto-summary").render())
    assert line.startswith("? blind  Critical error threshold exceeded · app/health = –"), line
    assert "2 not read" in line, line
    assert summary == "None has fired, and the blind one reads nothing: declare one by hand below."


async def test_blind_is_judged_at_the_triggers_own_level(sshd_server, tmp_path: Path):
    """A trigger with a level of its own (critical 0.2, above the probe's warning 0.05)
    is judged there, as its streak is: app-1 unread and app-2 at 0.1 is a bad round for
    the probe (0.1 > 0.05) but nothing the trigger can judge (its level not reached by
    the one host read). It read `○ quiet` from the probe's state, and is blind."""
    probes = [
        {"name": "rate", "kind": "command", "command": "cat rate", "threshold": 0.05}
        | {"interval": 0.2}
    ]
    trigger = {"name": "critical", "kind": "error-threshold", "system": "app", "probe": "rate"}
    files = {
        "strategies.toml": {"strategies": [{"name": "release", "kind": "version-rollback"}]},
        "procedure.toml": FLAG_PROCEDURE,
        "triggers.toml": {"triggers": [trigger | {"threshold": 0.2, "consecutive": 2}]},
    }
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=probes)
    rate = fleet.sandboxes["app-2"] / "rate"  # app-1 has none: `cat rate` fails there
    rate.write_text("0.1\n")
    os.chown(rate, sshd_server.account.uid, sshd_server.account.gid)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/rate"]
        await until(pilot, lambda: reading.last is not None, 60)
        assert reading.last.state is SampleState.BAD  # the probe's own level: 0.1 > 0.05
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#auto-error-threshold", OneLine).render())
    assert line.startswith(
        "? blind  Critical error threshold exceeded · app/rate = 0.1 · 1 not read"
    ), line


async def test_a_trigger_fired_then_reading_nothing_is_blind_not_firing(
    sshd_server, tmp_path: Path
):
    """Fired, then every host's probe failing (the application stopped answering): the home
    screen's table read `▲ firing` beside `– · 2 not read`, and the trigger screen `▲ firing`
    too (walked at 80x24 on real sshd). Both now say it is blind."""
    probe = {"name": "rate", "kind": "command", "command": "cat rate", "threshold": 0.05}
    trigger = {"name": "critical", "kind": "error-threshold", "system": "app", "probe": "rate"}
    files = {
        "strategies.toml": {"strategies": [{"name": "release", "kind": "version-rollback"}]},
        "procedure.toml": FLAG_PROCEDURE,
        "triggers.toml": {"triggers": [trigger | {"consecutive": 1}]},
    }
    probes = [probe | {"interval": 0.2}]
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=probes)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "rate").write_text("0.4\n")
        os.chown(sandbox / "rate", sshd_server.account.uid, sshd_server.account.gid)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/rate"]
        await until(pilot, lambda: reading.state == "firing", 60)
        for sandbox in fleet.sandboxes.values():
            (sandbox / "rate").unlink()
        await until(pilot, lambda: reading.last.value is None, 60)
        await pilot.pause(0.2)
        row = app.screen.query_one("#probes", DataTable).get_row("app/rate")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#auto-error-threshold", OneLine).render())
    assert "? blind" in [str(cell) for cell in row], row
    assert line.startswith("? blind  Critical error threshold exceeded · app/rate = –"), line
