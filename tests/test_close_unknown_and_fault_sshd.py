"""The close dialog of a drill cut short with its hosts unknown and its fault in place
says both reasons its lock stays held (real sshd, 80x24). Killed while its fault's command
ran, resumed, F7: the dialog said the lock kept for the hosts unknown alone, while the
close keeps it for the fault too (cf46a52f) and what is said after it says both."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.screens.close import CloseDialog
from tests.test_drill_cut_short_sshd import killed_mid_fault
from tests.test_terminal_closed import _let_go
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd


async def _close_dialog(config: Path, journal: Path) -> tuple[str, str, str]:
    """The close dialog's text, the drill resumed at 80x24 (its keys in sight); then,
    closed from it, the toast and the line printed at quit."""
    engine = Engine.build(load_settings(config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Drill" for n in app._notifications))
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            dialog = app.screen.query_one("#close-dialog")
            hint = dialog.query_one(".dialog-hint")
            assert dialog.content_region.contains_region(hint.region), hint.region
            text = dialog.query_one(".dialog-text", Static)
            said = " ".join(str(text.render()).split())
            close = app.screen
            assert isinstance(close, CloseDialog)
            await pilot.press("down", "down", "down", "space", *"stopped", "enter")  # aborted:
            # what stays held is said, F7 closes anyway
            await until(pilot, lambda: close.armed or not close.is_attached)
            if close.is_attached:
                await pilot.press("f7")
            closed = "Incident closed"
            await until(pilot, lambda: any(n.title == closed for n in app._notifications))
            [toast] = [n.message for n in app._notifications if n.title == closed]
            return said, toast, app.summary()
    finally:
        await _let_go(app, engine)


def test_the_close_dialog_says_the_lock_kept_for_the_fault_too(sshd_server, tmp_path, monkeypatch):
    fleet, journal = killed_mid_fault(sshd_server, tmp_path)  # its hosts unknown, fault in place
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))

    said, toast, parting = asyncio.run(_close_dialog(fleet.config, journal))

    assert said.startswith("Outcome unknown on app-1, app-2: a change may still run there;"), said
    assert "Closed now, the lock on app stays held:" in said, said
    assert said.endswith(
        " NOT UNDONE: a drill's fault on app-1, app-2; closed, the lock on app stays held for"
        " it too. Undo it there; once this console has quit, a command that shows it undone"
        " releases the lock: rollback-console exec --take-over-lock REASON --systems app"
        " --hosts app-1,app-2 'COMMAND'."
    ), said
    # The toast and the parting line said only the unknown hosts' lock (their two reasons
    # were for the dialog alone): now each says the fault's too.
    fault = "a drill's fault is NOT undone on app-1, app-2"
    assert "The lock on app is kept: " + fault in toast, toast
    held = "; a fault is NOT undone on app-1, app-2: the lock on app stays held"
    assert held in parting, parting
