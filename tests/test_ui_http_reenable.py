"""feature-reenable/http in the console at 80x24: the run confirmation says where it runs
(the flag service from this jump host, the health check on each host), and with
`confirm = true` the commander is asked between the steps, the flags at the step and its
health checked on the host when asked; stopped there, the re-enable is held, and t goes on
with the next step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from tests.flag_service import FlagService, serving
from tests.test_presets_http_reenable import OFF, ON, configure, strategies
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd


@pytest.fixture
def service(monkeypatch) -> Iterator[FlagService]:
    with serving(monkeypatch) as server:
        yield server


def _text(screen, selector: str) -> str:
    return " ".join(str(screen.query_one(selector, Static).render()).split())


async def _run_confirm(pilot, app) -> str:
    """The run confirmation now shown, its text once composed."""
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, RunConfirm)
            and bool(app.screen.query("#run-commands .dialog-text"))
        ),
    )
    return _text(app.screen, "#run-commands .dialog-text")


async def _asked(pilot, app) -> str:
    """The question between two stages, once it is shown."""
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=60)
    await until(pilot, lambda: bool(app.screen.query(".dialog-text")))
    return _text(app.screen, ".dialog-text")


async def test_an_http_re_enable_asks_between_its_steps_with_each_hosts_health_checked(
    sshd_server, service, tmp_path: Path
) -> None:
    """Stage 1 confirmed, stopped after stage 2 (held at 50 %), and t goes on with stage 3
    alone: no precheck again, no step sent twice."""
    waves = "waves = { confirm = true }\n"
    text = strategies(service, "25,50,100", waves, on_hosts=True)
    config = configure(sshd_server, tmp_path, text)
    service.flags = {"new_checkout": dict(OFF), "dark_mode": dict(OFF)}
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.choose_strategy("checkout-reenable")
        app.start_run("restore")
        about = await _run_confirm(pilot, app)
        assert (
            "Stages: 25%, 50%, 100%, each checked on every host before the next, your yes"
            " before each next one" in about
        ), about
        assert (
            "Runs on: this jump host, in the console's environment, once for each host; its"
            " health check runs on each host over SSH" in about
        ), about
        await pilot.press("y")

        question = await _asked(pilot, app)
        # how many hosts, from and to what share, and how many stages then remain (it read
        # "Start stage 2 of 3 (50%)?" alone)
        assert (
            "has finished: 1 host at 25%. Start stage 2 of 3 (50%): 1 host from 25% to 50%, then"
            " 1 stage left (100%)? Stop here, and every host is held at 25%"
        ) in question, question
        assert service.flags["new_checkout"] == {"enabled": True, "rollout": 25}
        assert service.health_checks == [("db-1", 25)]
        assert (tmp_path / "workdir" / "healthy").read_text() == "db-1\n"  # on the host
        await pilot.press("y")  # start stage 2

        last = "Start stage 3 of 3 (100%): 1 host from 50% to 100%, the last stage?"
        assert last in await _asked(pilot, app)
        await pilot.press("escape")  # stop here: held at 50 %
        await until(pilot, lambda: "restore" not in app.conductor.running, timeout=60)
        assert app.conductor.state.step("restore").status.value == "held"
        assert service.flags["new_checkout"] == {"enabled": True, "rollout": 50}

        first = len(app.conductor.recorder.events)
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.press("t")  # goes on with stage 3
        assert "Stages: held at 50%, goes on with 100%" in await _run_confirm(pilot, app)
        await pilot.press("y")
        await until(pilot, lambda: app.conductor.state.step("restore").status.value == "done")

    assert service.flags == {"new_checkout": ON, "dark_mode": ON}
    assert service.health_checks == [("db-1", 25), ("db-1", 50), ("db-1", 100)]
    events = app.conductor.recorder.events
    stages = [(e.data.percent, e.data.ok) for e in events if e.kind == Kind.ROLLOUT_STEP]
    assert stages == [(25, True), (50, True), (100, True)]
    sent = [e.data.stage for e in events[first:] if e.kind == Kind.COMMAND_INTENT]
    assert sent == ["set 100%", "check 100%", "health 100%"]
