"""Aborting a whole incident in the console names the hosts it left changed and the undo
that puts them back, as headless `run` does. Seen on real sshd: a toggle-off whose health
check failed, then A with nothing running and a reason: the toast read 'inc: aborted: ...
The form can still be amended.', no word that the flags of app-1 and app-2 were at 0, nor
of `undo`, where `run` printed '“Restore” changed app-1, app-2 (failed): to put them back,
rollback-console undo ...'. Both say it from one function, and so does the line the
console prints as it quits."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from console.model.loading import load_settings
from console.ui.screens.dialogs import TextPrompt
from tests.cli_fleet import FLAG_PROCEDURE, flag_fleet, flag_incident
from tests.test_run_failed_undo import STRATEGIES  # the flags go to 0, the check fails
from tests.test_ui_support import _close_engines, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd
ID = "20261205-053000-beef"


async def test_aborting_the_incident_names_what_it_left_changed_and_the_undo(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")
    async with flag_incident(fleet, incident_id=ID) as conductor:
        assert not await conductor.run_step("restore")  # changed, then its check failed
        app = build_app(load_settings(fleet.config), tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            app.attach(conductor)
            await app.push_screen("execution")
            await pilot.press("a")  # nothing runs: the whole incident
            await until(pilot, lambda: isinstance(app.screen, TextPrompt))
            await pilot.press(*"wrong flag", "enter")
            await until(pilot, lambda: conductor.state.closed)
            await until(
                pilot, lambda: any(n.title == "Incident closed" for n in app._notifications)
            )
            [said] = [n.message for n in app._notifications if n.title == "Incident closed"]
            quit_line = app.quitting.summary()  # printed once the console has quit
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}
    assert "“Restore” changed app-1, app-2 (failed): to put them back, " in said, said
    undo = said.split("to put them back, ", 1)[1].split(", then without --dry-run")[0]
    assert f"“Restore” changed app-1, app-2 (failed): to put them back, {undo}," in quit_line
    words = shlex.split(undo)
    assert words[:4] == ["rollback-console", "undo", ID, "restore"], words
    args = [w for w in words[1:] if w not in ("--config", str(fleet.config), "--dry-run")]
    done = fleet.cli(*args, "--yes")  # as the toast says it, it puts them back
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}
