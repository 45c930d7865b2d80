"""A console that ends on an internal error says so in the record, not that it detached.

Seen in tmux on 100 real sshd hosts: the console crashed mid-wave (a key answering a
dialog not yet mounted, fixed since), and its journal said 'the console quit with
outcome unknown on h0069: left running when the console detached', `list` that its
commander had 'let go of it without closing it'. Nobody detached or quit: the record
misled the session after, which looked for a D pressed. The error now goes into the
record as what ended it, with the file its traceback was saved to, and the host whose
command was running reads as still running at its end, nobody having detached it.

An internal error is raised in the app while a step's command runs on real sshd hosts;
the console then lets go of its incident as the command line does when its app has ended
(cli/launch.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console.journal.left_open import LastDriver
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.status import HostStatus
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401
from tests.test_wave_question_key_in_flight_sshd import at_the_run_confirm

pytestmark = pytest.mark.sshd

HOSTS = ("app-1", "app-2")
STRATEGIES = {
    "strategies": [
        {"name": "slow", "kind": "custom", "commands": {"action": "sleep 2; echo done > rolled"}}
    ]
}


class ABug(Exception):
    """What no check foresaw."""


async def test_an_internal_error_mid_step_is_what_the_record_says_ended_it(
    sshd_server, tmp_path: Path
) -> None:
    files = {"procedure.toml": FLAG_PROCEDURE, "strategies.toml": STRATEGIES}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["slow"], probes=[], hosts=HOSTS)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")

    def bug() -> None:
        raise ABug("No nodes match '#no' on ConfirmDialog()")

    with pytest.raises(ABug):
        async with app.run_test(size=(80, 24)) as pilot:
            await at_the_run_confirm(pilot)
            await pilot.press("y")
            conductor = app.conductor
            assert conductor is not None
            step = lambda: conductor.state.steps.get("restore")  # noqa: E731
            running = lambda: [h for h, r in step().hosts.items() if r.status is HostStatus.RUNNING]  # noqa: E731
            await until(pilot, lambda: step() is not None and len(running()) == len(HOSTS), 30)
            app.call_later(bug)
            await pilot.pause(1)
    conductor = app.conductor
    assert conductor is not None
    why = app.quitting.ended_by
    assert why is not None and why.startswith(
        "it ended on an internal error, ABug: No nodes match '#no' on ConfirmDialog(); its"
        " traceback in "
    ), why  # on main: None, as if its commander had quit
    app.quitting.let_go()  # as cli/launch.py does once the app has ended
    for _ in range(100):  # the hosts' commands end (bounded) before the test does
        if all((fleet.sandboxes[h] / "rolled").exists() for h in HOSTS):
            break
        time.sleep(0.1)

    saved = Path(why.rsplit(" ", 1)[1])
    assert "ABug" in saved.read_text() and saved.stat().st_mode & 0o777 == 0o600
    notes = [e.data.text for e in conductor.recorder.events if e.kind is Kind.NOTE_ADDED]
    said = notes[-1]
    assert said.startswith(
        f"the console ended ({why}) with outcome unknown on app-1, app-2: its command was"
        " still running at the end, nobody having detached it; verify them before retrying"
    ), said
    assert "detached;" not in said and "left running when the console detached" not in said
    driver = LastDriver()
    for event in conductor.recorder.events:
        driver.feed(event)
    ended = driver.ended(quit_too=True)
    assert ended is not None and f"ended without closing it: {why};" in ended, ended
