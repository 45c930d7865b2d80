"""The question before a step's next wave shows the probes of the systems that wave goes
to, not only of those its earlier waves went to. Walked on a real OpenSSH fleet at 80x24
(web and api, waves of 1 then the rest): after the canary web-1, "Start wave 2 of 2 (5
hosts: web-2, web-3, web-4 +2 more)?" listed under "Probes now" web/errors alone, api's
probe (bad) left out: the table took its systems from the hosts the step had run on so
far. Real sshd, the console at 80x24."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Static

from console.engine.session import Engine
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, write_fleet
from tests.test_drill_clock_step_sshd import STEP, SteppedClock
from tests.test_refirings_sshd import HOSTS, PROBES, set_values
from tests.test_ui_question_probes import _asked
from tests.test_ui_support import (  # noqa: F401
    _ENGINES,
    ACTOR,
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    until,
)

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "noop",
            "kind": "custom",
            "commands": {"action": "true"},
            "waves": {"sizes": [1, "100%"], "confirm": True},
        }
    ]
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """app-1 in system `app`, app-2 in system `api`, each watched by its error rate."""
    files = {"procedure.toml": FLAG_PROCEDURE, "strategies.toml": STRATEGIES}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["noop"], probes=[PROBES[0]], hosts=HOSTS
    )
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    [app] = inventory["systems"]
    api = {**app, "name": "api", "hosts": app["hosts"][1:]}
    inventory["systems"] = [{**app, "hosts": app["hosts"][:1]}, api]
    path.write_text(tomli_w.dumps(inventory))
    set_values(fleet, error_rate="0.01")
    set_values(fleet, ("app-2",), error_rate="0.3")  # api not rolled back yet: bad
    return fleet


async def test_the_next_wave_question_shows_the_probes_of_its_systems(fleet, tmp_path) -> None:
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space", "down", "down", "space", "enter")  # app, then api
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        assert app.conductor.state.systems == ["app", "api"]
        await app.live.watcher.round()  # the live readings, as the home screen has them
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        lines = await _asked(pilot, app)  # after the canary app-1: wave 2 is app-2, api's
    rows = [line.split()[1] for line in lines[1:]]
    assert rows == ["api/error-rate", "app/error-rate"], lines  # the bad one first
    assert "bad on app-2 0.3" in lines[1], lines


async def test_probes_now_is_the_newest_reading_whatever_the_wall_clock_says(
    fleet, tmp_path
) -> None:
    """The wall clock stepped back an hour after the round read after the canary: api's
    probe read healthy again by the live watcher, and the question still showed the
    round's 'bad on app-2 0.3', older but an hour later by the wall clock."""
    clock = SteppedClock()
    settings = load_settings(fleet.config)
    engine = Engine(settings, tmp_path / "incidents", clock=clock, actor=ACTOR)
    _ENGINES.append(engine)
    app = make_app(settings, engine, clock, check_reach=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space", "down", "down", "space", "enter")  # app, then api
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        assert "bad on app-2 0.3" in (await _asked(pilot, app))[1]  # the round after the canary
        set_values(fleet, ("app-2",), error_rate="0.01")
        clock.step = -STEP
        await app.live.watcher.round()  # newer, an hour earlier by the wall clock
        await until(
            pilot,
            lambda: "bad on" not in str(app.screen.query_one(".dialog-detail", Static).render()),
        )
