"""A [keymap] that rebinds the resumed console's verify and retry of unknown hosts: the
lines that tell the commander which key to press name the key bound, on a real sshd
fleet. A run left a host unknown and said 'resume ..., then V (the step's verify there; R
retries the step there)', its journal note 'resume it, then V', the refusal of the next
run 'then V': V and R did nothing in that console, whose keys were f9 and f10. A run names
no key now (its verify is the command line's), the refusal the key the keymap binds."""

from __future__ import annotations

import pytest
import tomli_w
from textual.widgets import Button

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.running_now import RunningNow
from console.ui.screens.quit import QuitDialog
from console.ui.widgets.mode_banner import ModeBanner
from tests.test_cli_run_sshd import _still_under_way_fleet, run
from tests.test_resume_closed_unknown import _closed_with_app2_unknown, resumed

pytestmark = pytest.mark.sshd

KEYMAP = {"resume.verify": "f9", "resume.retry": "f10"}


def test_a_run_left_open_names_the_keys_the_keymap_binds(sshd_server, tmp_path) -> None:
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    (fleet.config / "console.toml").write_text(tomli_w.dumps({"keymap": KEYMAP}))
    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    result = run(fleet, "--yes")
    said = result.stdout + result.stderr
    assert result.returncode == 4, said
    # The run names no key at all: they are of no use where it ran (it named f9 and f10).
    settle = result.stdout.splitlines()[-2]
    assert settle.startswith("to settle them: rollback-console verify "), said
    note = read_journal(fleet.state / "incident").events[-1]
    assert note.kind == Kind.NOTE_ADDED
    assert note.data.text.endswith(
        "(the step's verify there, in this incident) settles those hosts"
    )

    # An exec there is refused by the stale lock: it says to resume the run's, then f9, or
    # the command line's verify.
    refused = fleet.cli("exec", "--systems", "app", "true")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    headless = f"rollback-console verify {fleet.state / 'incident'} --config {fleet.config}"
    assert refused.stderr.rstrip().endswith(f", then f9; without the console: {headless}.")
    assert " then V" not in refused.stderr + said + note.data.text
    assert "f9" not in settle + note.data.text and "f10" not in said


async def test_a_closed_incident_names_the_keys_the_keymap_binds(sshd_server, tmp_path) -> None:
    """The console on an incident closed with a host unknown said 'V and R do not run
    after the close', on screen and in its notice, whatever keys the keymap bound."""
    fleet, journal = await _closed_with_app2_unknown(sshd_server, tmp_path)
    (fleet.config / "console.toml").write_text(tomli_w.dumps({"keymap": KEYMAP}))
    async with resumed(fleet.config, journal) as (app, _pilot, said):
        banner = str(app.screen.query_one(ModeBanner).render())
    assert "Outcome unknown on app-2: F9 and F10 do not run after the close" in said, said
    assert "is closed: F9 and F10 do not run after it" in banner, banner


async def test_the_quit_question_names_the_verify_key_the_keymap_binds(
    sshd_server, tmp_path
) -> None:
    """Detach's words said 'until you resume and verify them (v)', and the dialog 'Abort
    (a)', 'Detach (d)' on its words and buttons, whatever the keymap."""
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    keymap = KEYMAP | {"quit.abort": "ctrl+b", "quit.detach": "f6"}
    (fleet.config / "console.toml").write_text(tomli_w.dumps({"keymap": keymap}))
    engine = Engine.build(load_settings(fleet.config))
    app = make_app(engine.settings, engine, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(
                QuitDialog(lambda: RunningNow(("Restore",), ("app-1", "app-2"), (), frozenset({1})))
            )
            await pilot.pause()
            said = " ".join(str(s.render()) for s in app.screen.query(".dialog-text"))
            buttons = [str(b.label) for b in app.screen.query(Button)]
    finally:
        await engine.close()
    assert "until you resume and verify them (F9);" in said, said
    assert "Abort (^b): its commands are stopped" in said, said
    assert "Detach (F6): the console quits" in said, said
    assert buttons == ["Stay (Esc)", "Detach (F6)", "Abort, quit (^b)"], buttons
