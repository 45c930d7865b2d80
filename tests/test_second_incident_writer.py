"""One console, one incident after another: the journal of the incident it closed and left
(another declared, or resumed from the home screen) is no longer held by it, so another
console may resume or amend it; the journal of the one it drives now is. On a real
OpenSSH sshd, the console driven with keys at 80x24 (Textual's pilot)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.journal_lock import JournalInUse, JournalLock
from console.model.loading import load_settings
from console.model.outcome import CHOSEN, Outcome
from console.ui.app import make_app
from console.ui.screens.close import CloseDialog
from console.ui.screens.home import HomeScreen
from tests.test_terminal_closed import fleet
from tests.test_ui_support import open_incident, type_text, until

pytestmark = pytest.mark.sshd


def written_by_another(journal: Path) -> bool:
    """Whether a writer holds `journal` (a second console's resume would be refused)."""
    try:
        JournalLock.check(journal)
    except JournalInUse:
        return True
    return False


async def close_as_not_needed(pilot, reason: str) -> None:
    app = pilot.app
    conductor = app.conductor
    await pilot.press("f7")
    await until(pilot, lambda: isinstance(app.screen, CloseDialog))
    start = app.screen.query_one("#close-outcome")._selected or 0
    await pilot.press(*["down"] * (CHOSEN.index(Outcome.NOT_NEEDED) - start), "space")
    await type_text(pilot, reason)
    await pilot.press("enter")
    await until(pilot, lambda: conductor.state.closed)


def test_a_closed_incident_left_for_another_lets_its_journal_go(sshd_server, tmp_path):
    config, _ = fleet(sshd_server, tmp_path)

    async def drive() -> None:
        engine = Engine.build(load_settings(config))
        app = make_app(engine.settings, engine, sample_probes=False, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await open_incident(pilot)
                first = app.conductor.recorder.path
                assert written_by_another(first)
                await close_as_not_needed(pilot, "a load test")
                assert written_by_another(first)  # amendments may follow: still its writer
                app.to_home()
                await until(pilot, lambda: isinstance(app.screen, HomeScreen))
                await open_incident(pilot, "checkout errors again")
                second = app.conductor.recorder.path
                assert second != first
                assert not written_by_another(first), "left, yet its journal still held"
                assert written_by_another(second)

                # Back to the first from the home screen (r): the second, closed, goes.
                await close_as_not_needed(pilot, "the same load test")
                app.to_home()
                await until(pilot, lambda: isinstance(app.screen, HomeScreen))
                app.resuming.resume(first)
                await until(pilot, lambda: app.conductor.recorder.path == first)
                assert written_by_another(first)
                assert not written_by_another(second), "left, yet its journal still held"
        finally:
            if app.conductor is not None:
                app.conductor.recorder.close()
            await engine.close()

    asyncio.run(drive())
