"""Quitting the console while its drill rolls back (real sshd, 80x24): the commander aborts
the running step and quits; the dialogs say what becomes of the drill. Walked on a README fleet of 4 web hosts (helper-127): the
console quit as soon as the strategy's commands were stopped, in the middle of the drill's
undo of its fault (web-3's storefront left killed, the undo's host unknown, the drill open
and never judged). Now the quit waits (bounded) for the drill to finish as an aborted drill
does headless: its faults undone, its verdict FAILED ('aborted: ...'), the drill closed."""

from __future__ import annotations

import asyncio
import copy
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import tomli_w
from textual.pilot import Pilot
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus
from console.ui.app import RollbackApp, make_app
from console.ui.screens.dialogs import ConfirmDialog, TextPrompt
from console.ui.screens.quit import QuitDialog
from tests.cli_fleet import Fleet
from tests.test_drills_sshd import STRATEGIES, staging_fleet, start_drill
from tests.test_ui_support import type_text, until, until_quit

pytestmark = pytest.mark.sshd


def test_abort_and_quit_mid_drill_undoes_its_fault_first(sshd_server, tmp_path, monkeypatch):
    fleet = staging_fleet(sshd_server, tmp_path)
    strategies = copy.deepcopy(STRATEGIES)
    commands = strategies["strategies"][0]["commands"]
    commands["action"] = "sleep 60; " + commands["action"]  # running when the quit comes
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))

    async def walk(app: RollbackApp, pilot: Pilot) -> None:
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        said.append(_dialog_text(app.screen))
        await abort_with(pilot, "wrong window", said)

    said: list[str] = []
    journal = drill_restoring(fleet, monkeypatch, walk)
    # the quit dialog and the reason prompt say what becomes of the drill (the prompt
    # said "The incident stays open (to abort it as a whole: ...)", walked by helper-133)
    choices, prompt = said
    assert "the drill's faults are undone and it is judged FAILED and closed" in choices, choices
    assert "The drill is never judged and its faults stay in place, NOT UNDONE" in choices
    assert "stays open" not in prompt, prompt
    assert (
        "The drill ends: its faults are undone, it is judged FAILED (aborted, with your reason)"
        " and closed as aborted, then the console quits." in prompt
    ), prompt
    events = read_journal(journal).events  # and so it is
    undone = [e.data for e in events if e.kind == Kind.DRILL_FAULT_UNDONE]
    assert [(u.name, u.ok) for u in undone] == [("deploy the bad release 1.1", True)]
    (judged,) = [e.data for e in events if e.kind == Kind.DRILL_JUDGED]
    assert judged.passed is False and judged.findings[0] == "aborted: wrong window"
    assert events[-1].kind == Kind.INCIDENT_CLOSED and events[-1].data.outcome == "aborted"
    for sandbox in fleet.sandboxes.values():  # the fault's undo put 1.0 back
        assert (sandbox / "current").readlink() == Path("releases/1.0")


def drill_restoring(
    fleet: Fleet, monkeypatch, walk: Callable[[RollbackApp, Pilot], Awaitable[None]]
) -> Path:
    """The console at 80x24, the drill started and its restore running; then `walk`,
    which ends with the console quitting. The journal."""
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))

    async def scenario() -> Path:
        engine = Engine.build(load_settings(fleet.config))
        app = make_app(engine.settings, engine, sample_probes=False, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await start_drill(pilot)

                def restoring() -> bool:
                    run = app.conductor.state.steps.get("restore") if app.conductor else None
                    hosts = run.hosts.values() if run else []
                    return any(r.status is HostStatus.RUNNING for r in hosts)

                await until(pilot, restoring, 60)
                await walk(app, pilot)
                await until_quit(app, 60)
                assert app.conductor is not None
                return app.conductor.recorder.path
        finally:
            if app.conductor is not None:
                app.conductor.release_locks()
                app.conductor.recorder.close()
            await engine.close()

    return asyncio.run(scenario())


async def abort_with(pilot: Pilot, reason: str, said: list[str]) -> None:
    """A in the quit dialog; the reason prompt's words kept in `said`, `reason` typed,
    Enter."""
    await pilot.press("a")
    await until(pilot, lambda: isinstance(pilot.app.screen, TextPrompt))
    said.append(_dialog_text(pilot.app.screen))
    await type_text(pilot, reason)
    await pilot.press("enter")


def _dialog_text(screen) -> str:
    """A dialog's words, on one line."""
    return " ".join(" ".join(str(s.render()) for s in screen.query(".dialog-text")).split())


def test_quit_while_a_drill_awaits_its_trigger_aborts_it_and_undoes_its_fault(
    sshd_server, tmp_path, monkeypatch
):
    """No step runs while the drill awaits its trigger from the probes: the quit question
    said only that the incident stays open, and quitting cut the drill short, its fault's
    undo cut off or never sent (walked: web-1's marker left, the host unknown). Now the
    question says what quitting does, and it does it: the drill aborted as Ctrl+C aborts
    one headless, its fault undone, judged, closed."""
    fleet = staging_fleet(sshd_server, tmp_path)
    path = fleet.config / "inventory.toml"
    inventory = tomllib.loads(path.read_text())
    # a probe that never reads bad, one round a second: the wait is (2 + 3) rounds long
    inventory["systems"][0]["probes"][0] |= {"command": "echo ok", "interval": 1.0}
    path.write_text(tomli_w.dumps(inventory))
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))
    left = "its fault deploy the bad release 1.1 on app-1, app-2"

    async def scenario() -> tuple[str, str, Path]:
        engine = Engine.build(load_settings(fleet.config))
        app = make_app(engine.settings, engine, sample_probes=False, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await start_drill(pilot)
                await until(
                    pilot, lambda: app.conductor is not None and bool(app.conductor.state.faults)
                )
                await pilot.press("ctrl+q")
                await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
                asked = str(app.screen.query_one(".dialog-text", Static).render())
                await pilot.press("y")
                await until_quit(app, 60)
                assert app.conductor is not None
                return asked, app.quitting.summary(), app.conductor.recorder.path
        finally:
            if app.conductor is not None:
                app.conductor.release_locks()
                app.conductor.recorder.close()
            await engine.close()

    asked, summary, journal = asyncio.run(scenario())
    said = " ".join(asked.split())
    assert f"Its drill is not finished: quitting aborts it, and {left} is undone first." in said
    assert ": closed, aborted: the console quit;" in summary, summary
    events = read_journal(journal).events
    undone = [e.data for e in events if e.kind == Kind.DRILL_FAULT_UNDONE]
    assert [(u.name, u.ok) for u in undone] == [("deploy the bad release 1.1", True)]
    (judged,) = [e.data for e in events if e.kind == Kind.DRILL_JUDGED]
    assert judged.passed is False and judged.findings[0] == "aborted: the console quit"
    for sandbox in fleet.sandboxes.values():
        assert (sandbox / "current").readlink() == Path("releases/1.0")
