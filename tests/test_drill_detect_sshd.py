"""A drill from the console (real sshd, 80x24) while it waits for its automatic trigger to
fire from the probes: the bar says so, the console does not look hung."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from console.engine.session import Engine
from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.ui.screens.drills import DrillReport
from console.ui.widgets.incident_bar import IncidentBar
from tests.test_drills_sshd import staging_fleet, start_drill
from tests.test_ui_support import START, build_app, until

pytestmark = pytest.mark.sshd


async def test_the_bar_says_the_drill_awaits_its_trigger(sshd_server, tmp_path):
    """Walked at 80x24 on a README fleet: for up to (consecutive + 3) sampling rounds (a
    minute at the defaults) after its faults went in, the console showed the fault step
    done, step 1 pending and 'no trigger declared', as if hung."""
    fleet = staging_fleet(sshd_server, tmp_path)
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    # a probe that never reads bad, one round a second: the wait is (2 + 3) rounds long
    inventory["systems"][0]["probes"][0] |= {"command": "echo ok", "interval": 1.0}
    path.write_text(tomli_w.dumps(inventory))
    settings = load_settings(fleet.config)
    root, lock_dir = tmp_path / "incidents", tmp_path / "locks"
    engine = Engine(settings, root, clock=FixedClock(START), lock_dir=lock_dir, threaded_io=True)
    app = build_app(settings, root, engine)
    seen: list[str] = []

    def bar() -> str:
        bars = [
            str(b.render()).splitlines()[0] for s in app.screen_stack for b in s.query(IncidentBar)
        ]
        seen.append(bars[-1] if bars else "")
        return seen[-1]

    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await start_drill(pilot)
            await until(pilot, lambda: "│ awaits its trigger from the probes" in bar())
            await until(pilot, lambda: isinstance(app.screen, DrillReport), timeout=120)
            after = bar()
    finally:
        await engine.close()
    assert "awaits its trigger" not in after  # declared by the drill once none fired


def test_a_drill_no_trigger_watches_says_none_was_awaited(sshd_server, tmp_path):
    """Walked by helper-135 (a PostgreSQL drill awaiting data-corruption, no trigger of
    triggers.toml on its system): the trigger read 'declared by the drill (no automatic
    trigger fired on db in 0 round(s))', as if the probes had been watched."""
    fleet = staging_fleet(sshd_server, tmp_path)
    (fleet.config / "triggers.toml").write_text(tomli_w.dumps({"triggers": []}))
    result = fleet.cli("drill")
    out = result.stdout
    assert "declared by the drill (no trigger of triggers.toml watches app: none was awaited)" in (
        out
    ), out
    assert "0 round(s)" not in out
