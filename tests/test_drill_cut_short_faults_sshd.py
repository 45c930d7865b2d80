"""A drill killed (-9) after its fault went in, before its undo, on a real OpenSSH fleet:
the fault stays on the hosts (the bad release), and the drill's stale lock stays on the
system. Walked at 80x24 (helper-162): the next drill, headless, was refused naming only
the open incident to resume; in the console, d offered to take the lock over saying
'taking its lock over loses nothing', and that drill read its baseline from the hosts
still faulty and undid only its own fault; the home screen's probe fired from the
fault left in place and the banner read 'Incident ID is open on app: ...; p opens a new
incident', nothing saying it was a drill's own fault. Each now names the fault left."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from console.ui.screens.dialogs import TextPrompt
from tests.cli_fleet import Fleet
from tests.test_drill_cut_short_sshd import killed_after_its_fault
from tests.test_drills_sshd import fleet_app, staging_fleet, start_drill
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd

LEFT = "its fault deploy the bad release 1.1 on app-1, app-2 was NEVER UNDONE"


@pytest.fixture
def killed(sshd_server, tmp_path) -> Fleet:
    """The staging fleet after a drill killed as its fault went in: app-1 and app-2 on
    the bad release, `app` locked by the drill's process, gone."""
    fleet = staging_fleet(sshd_server, tmp_path)
    killed_after_its_fault(fleet)
    assert fleet.written("current/health") == {"app-1": "bad\n", "app-2": "bad\n"}
    return fleet


def test_the_next_drill_refused_names_the_fault_left_in_place(killed):
    refused = killed.cli("drill")
    [line] = refused.stderr.splitlines()
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert line.startswith("refused: system 'app' is held by a stale lock"), line
    assert (
        f"is still open; a drill cut short before its verdict, {LEFT}: undo it by hand before"
        " anything else runs there; to carry it on instead, resume it (" in line
    ), line


async def test_the_console_offered_its_lock_names_the_fault_left_in_place(killed):
    engine, app = fleet_app(killed)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await start_drill(pilot)
            await until(pilot, lambda: isinstance(app.screen, TextPrompt))
            said = " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())
    finally:
        await engine.close()
    assert "loses nothing" not in said, said
    assert f"(its console is gone): {LEFT}: undo it by hand first; a drill that takes" in said


async def test_the_home_banner_says_what_fired_is_the_drills_fault(killed):
    engine, app = fleet_app(killed, sample_probes=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            alert = app.screen.query_one("#alert", Static)
            await until(pilot, lambda: "TRIGGER FIRED" in str(alert.render()), timeout=60)
            said = " ".join(str(alert.render()).split())
    finally:
        await engine.close()
    assert f"was cut short on app: {LEFT}, most likely what fired." in said, said
