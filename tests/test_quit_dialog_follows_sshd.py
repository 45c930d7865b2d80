"""The quit dialog and the abort prompt say what runs NOW, and abort only what they said
(real sshd, a drill at 80x24). Walked by helper-135: Ctrl+Q while the drill restored the
release named “Restore previous version”; the restore ended while the dialog was open and
the drill went on to its stability check; the dialog still named the restore, and A, then
the reason, aborted the stability check, which nobody had been asked about."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import tomli_w
from textual.pilot import Pilot

from console.journal.store import read_journal
from console.model.events import Kind
from console.ui.app import RollbackApp
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.quit import QuitDialog
from tests.cli_fleet import Fleet
from tests.test_drill_quit_sshd import _dialog_text, abort_with, drill_restoring
from tests.test_drills_sshd import STRATEGIES, TRIGGERS, staging_fleet
from tests.test_ui_support import type_text, until

pytestmark = pytest.mark.sshd

RESTORE, CHECK = "“Restore previous version”", "“Verify system stability”"
# The restore's action waits (bounded) until the test lets it go.
HOLD = "i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; "


def held_fleet(sshd_server, tmp_path: Path) -> Fleet:
    """The staging drill, its restore held until `go`, its stability check long."""
    fleet = staging_fleet(sshd_server, tmp_path)
    strategies = copy.deepcopy(STRATEGIES)
    commands = strategies["strategies"][0]["commands"]
    commands["action"] = HOLD + commands["action"]
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    triggers = {**TRIGGERS, "soak": {"samples": 600, "interval": 0.2}}  # ~2 minutes
    (fleet.config / "triggers.toml").write_text(tomli_w.dumps(triggers))
    return fleet


def let_go(fleet: Fleet) -> None:
    for sandbox in fleet.sandboxes.values():
        (sandbox / "go").write_text("")


async def checking(app: RollbackApp, pilot: Pilot) -> None:
    """Wait until the restore has ended and the drill's stability check runs."""
    assert app.conductor is not None
    await until(pilot, lambda: app.conductor.running == frozenset({"verify"}), 60)


def test_the_quit_dialog_names_the_step_that_runs_now(sshd_server, tmp_path, monkeypatch):
    fleet = held_fleet(sshd_server, tmp_path)
    said: list[str] = []

    async def walk(app: RollbackApp, pilot: Pilot) -> None:
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        said.append(_dialog_text(app.screen))
        let_go(fleet)
        await checking(app, pilot)
        # the dialog, left open, now names the stability check, not the restore
        await until(pilot, lambda: CHECK in _dialog_text(app.screen), 10)
        said.append(_dialog_text(app.screen))
        await abort_with(pilot, "wrong window", said)

    journal = drill_restoring(fleet, monkeypatch, walk)
    restoring, checking_now, prompt = said
    assert f"{RESTORE} runs on app-1, app-2." in restoring, restoring
    assert RESTORE not in checking_now, checking_now
    # the soak runs in the console: what its abort or detach does to the drill is said too
    assert "the drill's faults are undone and it is judged FAILED" in checking_now, checking_now
    assert "its faults stay in place, NOT UNDONE" in checking_now, checking_now
    assert CHECK in prompt and RESTORE not in prompt, prompt  # the prompt names it too
    events = read_journal(journal).events
    (aborted,) = [e.data for e in events if e.kind == Kind.RUN_ABORTED]
    assert aborted.running == ["verify"] and aborted.reason == "wrong window"


def test_a_reason_given_for_a_step_that_has_ended_aborts_nothing_and_asks_again(
    sshd_server, tmp_path, monkeypatch
):
    """The restore ends while its abort's reason is typed, and the stability check
    starts: Enter aborts nothing, says so, and the quit is asked again, of the check."""
    fleet = held_fleet(sshd_server, tmp_path)
    said: list[str] = []

    async def walk(app: RollbackApp, pilot: Pilot) -> None:
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt))
        said.append(_dialog_text(app.screen))
        let_go(fleet)
        await checking(app, pilot)
        await type_text(pilot, "restore hangs")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, QuitDialog), 10)  # asked again
        said.append(_dialog_text(app.screen))
        await abort_with(pilot, "stop the check", [])

    journal = drill_restoring(fleet, monkeypatch, walk)
    prompt, again = said
    assert f"{RESTORE} runs on app-1, app-2." in prompt, prompt
    # asked again: why first, then what runs now
    assert again.startswith(f"{RESTORE} ended before your abort: nothing was aborted."), again
    assert f"{CHECK} runs " in again and f"{RESTORE} runs" not in again, again
    events = read_journal(journal).events
    (aborted,) = [e.data for e in events if e.kind == Kind.RUN_ABORTED]
    assert aborted.running == ["verify"] and aborted.reason == "stop the check"
    restore = [
        e.data for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "restore"
    ]
    assert [r.status for r in restore] == ["done"]  # never aborted
