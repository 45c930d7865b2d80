"""One bad run of a probe is one firing of its trigger in the console's record, on a real
OpenSSH fleet: "Verify system stability" reads the probe a host is still bad on while the
console's own watcher has already fired (and proposed) its trigger. Seen: the soak's
sampler fired it a second time, recorded and never proposed, and the document read
"fired again after the declaration: neither merged as evidence nor dismissed"."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import StepStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.home import HomeScreen
from tests.cli_fleet import Fleet
from tests.test_refirings_sshd import HOSTS, probed_fleet, set_values, waiting
from tests.test_refirings_sshd import PROCEDURE as MANUAL
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    until,
)

pytestmark = pytest.mark.sshd

SOAK = {
    "id": "verify",
    "title": "Verify system stability",
    "kind": "probe",
    "soak": {"samples": 2, "max_samples": 3, "interval": 0.2},
}
# the bridge, the soak for the execution phase's step, the form
PROCEDURE = {
    **MANUAL,
    "phases": [
        {**phase, "steps": [SOAK]} if phase["phase"] == "execution" else phase
        for phase in MANUAL["phases"]
    ],
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return probed_fleet(sshd_server, tmp_path, PROCEDURE, interval=1.0)  # the soak's: 0.2 s


async def test_the_soak_does_not_fire_what_the_console_fires(fleet, tmp_path):
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await declare_and_pick(pilot, "checkout errors")
        await pilot.press("space")  # the system, every host of it
        await until(pilot, lambda: set(app.screen.host_tree.selected) == set(HOSTS))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        conductor = app.conductor
        await pilot.press("enter")  # the bridge, done
        await until(pilot, lambda: conductor.state.step("bridge").status is StepStatus.DONE)
        # app-2 goes bad as the soak starts: it reads it faster than the console's watcher
        set_values(fleet, ("app-2",), error_rate="0.3")
        await pilot.press("enter")
        await until(pilot, lambda: conductor.state.step("verify").status is StepStatus.FAILED)
        await until(pilot, lambda: waiting(app) == ["app-errors"])  # fired here, proposed
        journal = conductor.recorder.path

    fired = [e for e in read_journal(journal).events if e.kind == Kind.TRIGGER_FIRED]
    assert [e.data.trigger for e in fired] == ["app-errors"], [e.data for e in fired]
