"""A console resumed while the probe its incident was declared from is still bad does
not propose that firing again. Walked on a real OpenSSH fleet at 80x24: the error-rate
trigger fired, was declared, the rollback failed on one host (its errors never went
down), the console was killed and resumed: 3 s later a new proposal, "Critical error
threshold exceeded ... It waits for you", and a second `trigger.fired` in the journal,
though README says a trigger fires again only after a healthy sample (a host still bad
while the rollback runs fires nothing new). Once a healthy sample has come, going bad
again is a new firing, proposed as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import Fleet, write_fleet
from tests.test_refirings_sshd import (
    HOSTS,
    PROBES,
    PROCEDURE,
    STRATEGIES,
    set_values,
    take_it_up,
    waiting,
)
from tests.test_refirings_sshd import TRIGGERS as REFIRINGS
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    press_to_end,
    until,
)

pytestmark = pytest.mark.sshd

CONSECUTIVE = 3
# The error-rate trigger as there, needing 3 bad samples: 1 s at least at 0.5 s apart, so
# the resume (a journal of a few events) attaches before it could fire.
TRIGGERS = {"triggers": [{**REFIRINGS["triggers"][0], "consecutive": CONSECUTIVE}]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"procedure.toml": PROCEDURE, "strategies.toml": STRATEGIES, "triggers.toml": TRIGGERS}
    probes = [{**PROBES[0], "interval": 0.5}]
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["noop"], probes=probes, hosts=HOSTS
    )
    set_values(fleet, error_rate="0.01")
    return fleet


def fired(journal: Path) -> list[str]:
    return [e.data.trigger for e in read_journal(journal).events if e.kind == Kind.TRIGGER_FIRED]


async def test_a_resumed_console_does_not_propose_the_firing_it_was_declared_from(fleet, tmp_path):
    settings = load_settings(fleet.config)
    root = tmp_path / "incidents"
    first = build_app(settings, root, sample_probes=True)
    async with first.run_test(size=(80, 24)) as pilot:
        set_values(fleet, error_rate="0.3")
        await until(pilot, lambda: waiting(first) == ["app-errors"])
        await take_it_up(pilot)  # declared as proposed, every host picked
        journal = first.conductor.recorder.path
        await pilot.press("ctrl+q")  # the console ends, the incident left open
        await until(pilot, lambda: isinstance(first.screen, ConfirmDialog))
        await press_to_end(pilot, "y")
    await first.engine.close()
    assert fired(journal) == ["app-errors"]

    # Still bad on every host: resumed, it reads round after round and proposes nothing.
    engine = build_engine(settings, root)
    again = make_app(settings, engine, resume=journal, check_reach=False)
    history = again.live.watcher.readings["app/error-rate"].history
    async with again.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(again.screen, ChecklistScreen))
        assert len(history) < CONSECUTIVE, "resumed only after the trigger could fire"
        await until(pilot, lambda: len(history) >= CONSECUTIVE + 2)
        assert all(s.state.value == "bad" for s in history)
        assert waiting(again) == [] and again.live.watcher.firing_now() == []
        assert fired(journal) == ["app-errors"]

        # Healthy once, then bad again: that is a new firing, proposed as ever.
        set_values(fleet, error_rate="0.01")
        await until(pilot, lambda: history[-1].state.value == "healthy")
        set_values(fleet, error_rate="0.3")
        await until(pilot, lambda: waiting(again) == ["app-errors"])
    assert fired(journal) == ["app-errors", "app-errors"]
