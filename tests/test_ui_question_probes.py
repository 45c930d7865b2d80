"""The question that widens a step (the next wave, the next stage) shows what the probes of
its systems read now, at 80x24: the commander said yes to widening a canary blind (the
dialog named the wave's hosts and nothing of the error rate). Each probe with its latest
value, threshold and state, the bad ones first, a long list cut with `… and N more`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Static

from console.demo.fleet import DemoFleet
from console.model.loading import load_settings
from console.model.settings import Settings
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from tests.test_stage_probes_sshd import ERRORS, _fleet
from tests.test_ui_live_support import with_waves
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    open_incident,
    until,
)


def _many_web_probes(settings: Settings, more: int, bad: int) -> Settings:
    """web watched by `more` latency probes besides its own two, named to sort before
    them: the first `bad` as bad as its own, the others healthy (their threshold far off)."""
    data = settings.dumped()
    [web] = [s for s in data["inventory"]["systems"] if s["name"] == "web"]
    latency = next(p for p in web["probes"] if p["name"] == "p99-latency")
    web["probes"] += [
        {**latency, "name": f"a-latency-{n}", "threshold": 1000 if n <= bad else 9000}
        for n in range(1, 1 + more)
    ]
    return Settings.validated(data)


async def _asked(pilot, app) -> list[str]:
    """The probes under the question now shown, line by line."""
    await until(
        pilot,
        lambda: isinstance(app.screen, ConfirmDialog) and bool(app.screen.query(".dialog-detail")),
        60,
    )
    return str(app.screen.query_one(".dialog-detail", Static).render()).splitlines()


async def test_the_wave_question_shows_the_probes_bad_first_cut_to_fit(tmp_path: Path) -> None:
    settings = with_waves(demo_settings(), size=1, max_fail_percentage=None, confirm=True)
    async with DemoFleet(_many_web_probes(settings, 5, bad=2)) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await app.live.watcher.round()  # the live watcher's readings, as the home shows
            app.start_run("restore")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm))
            await pilot.press("y")
            lines = await _asked(pilot, app)
            dialog = app.screen.query_one(".dialog").region
            hint = app.screen.query_one("#confirm-hint").region
            inside = [app.screen.query_one(f"#{b}", Button).region for b in ("no", "yes")]
            screen = app.screen.region
    assert lines[0].split() == ["Probes", "now", "Value", "Threshold", "State"], lines
    # The bad ones first, named by host and value as the dialog's 66 columns hold them
    # (counted where no name fits); 7 probes cut to 3 and a line saying that one left out
    # is not healthy either (web/p99-latency). Walked at 200 hosts, the state was cut at
    # the dialog's edge: 'bad on web-007 down, w…', its '+8 more' out of sight; here the
    # 85 columns of '... bad on web-1 2400 ms, web-2 2400 ms, web-3 2400 ms' were. The
    # readings are the round read after the canary web-1, the newest (the live watcher's
    # were shown before it while the test's clocks made them look newer).
    said = "1663.33 ms  > 1000 ms  bad on 2 of 3 hosts"
    assert lines[1:3] == [f"✘ web/a-latency-1  {said}", f"✘ web/a-latency-2  {said}"], lines
    assert lines[3].split() == [
        "✘", "web/error-rate", "0.31", ">", "0.05", "bad", "on", "2", "of", "3", "hosts",
    ], lines  # fmt: skip
    assert len(lines) == 5 and lines[-1] == "… and 4 more, 1 of them not healthy", lines
    assert max(len(line) for line in lines) <= 66, lines  # the dialog's width, inside
    # All of it at 80x24, the answers too.
    assert screen.contains_region(dialog), (dialog, screen)
    assert all(dialog.contains_region(r) for r in [*inside, hint]), (dialog, inside, hint)


@pytest.mark.sshd
async def test_the_stage_question_shows_the_round_read_after_the_stage(
    sshd_server, tmp_path: Path
) -> None:
    """Between stages the probes were read after the stage (`rollout.probed`): those
    readings, not the live watcher's (not sampling here), are the ones shown."""
    fleet = _fleet(sshd_server, tmp_path, ERRORS)
    (fleet.sandboxes["app-2"] / "broken").unlink()  # healthy: the rollout asks to go on
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.conductor.choose_strategy("reenable")
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        lines = await _asked(pilot, app)
        question = str(app.screen.query_one(".dialog-text", Static).render())
        await pilot.press("escape")
        await until(pilot, lambda: "restore" not in app.conductor.running, 60)
    assert "Start stage 2 of 4 (25%): 2 hosts from 5% to 25%," in " ".join(question.split())
    assert [line.split() for line in lines[1:]] == [
        ["✔", "app/errors", "0.01", ">", "0.05", "healthy"]
    ], lines


async def test_a_probe_of_the_whole_system_is_not_said_to_judge_the_waves(
    tmp_path: Path,
) -> None:
    """An HTTP probe of one URL reads the whole system: hosts rolled back and not alike.
    Between waves it judges nothing, and the run's confirmation no longer says it does
    ('the probes read after each on the hosts that succeeded so far (web/error-rate ...)')."""
    settings = with_waves(demo_settings(), size=1, max_fail_percentage=None, confirm=True)
    data = settings.dumped()
    [web] = [s for s in data["inventory"]["systems"] if s["name"] == "web"]
    one_url = {"kind": "http", "url": "http://127.0.0.1:9/health", "command": None}
    web["probes"] = [{**p, **one_url} for p in web["probes"]]
    async with DemoFleet(Settings.validated(data)) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            app.start_run("restore")
            await until(pilot, lambda: bool(app.screen.query("#run-commands .dialog-text")))
            about = str(app.screen.query_one("#run-commands .dialog-text", Static).render())
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
            question = str(app.screen.query_one(".dialog-text", Static).render())
            await pilot.press("escape")
            await until(pilot, lambda: "restore" not in app.conductor.running, 60)
    [waves] = [line for line in about.splitlines() if line.startswith("Waves: ")]
    assert waves == "Waves: 3 waves of 1 host each, your yes before each next one", about
    # After the canary, the question says nothing judged it.
    said = "No probe reads web-1 alone: none judged the wave."
    assert said in " ".join(question.split()), question
