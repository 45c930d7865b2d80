"""A yes to a gradual re-enable's next stage (or a strategy's next wave), given after its
probes could have read again, is judged on a round read after it. Walked at 80x24 on a real sshd fleet: asked
after a healthy 50 % stage ('Probes now ... web/error-rate 0.01 healthy'), a host's error
rate went to 0.4; the live watcher read it and fired its trigger (▲ PROPOSED), the
question still said healthy, and y half a minute later raised every host to 100 %. Now
the probes are read again after such a yes, and one not healthy holds the rollout at the
stage it reached, saying it was read when the next stage was confirmed; and the question
shows the probes as the console reads them while it waits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Static

from console.journal.describe import describe
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.status import StepStatus
from console.model.watch import SampleState
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, flag_fleet
from tests.test_stage_probes_sshd import STRATEGIES as REENABLE
from tests.test_stage_probes_sshd import _asked_to_run
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        REENABLE["strategies"][0],  # `reenable`: confirm = true, each stage asked
        {
            "name": "off",  # a canary, then the other host
            "kind": "feature-toggle-off",
            "preset": "file",
            "waves": {"size": 1, "confirm": True},
            "params": FLAG_PARAMS,
        },
    ]
}
ERRORS = {
    "name": "errors",
    "kind": "command",
    "command": "cat errors",
    "threshold": 0.05,
    "interval": 0.5,
}


def _fleet(sshd_server, root: Path, flags: str):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, root, files, ["reenable", "off"], flags, [ERRORS])
    for host in fleet.sandboxes:
        _errors(sshd_server, fleet, host, "0.01")
    return fleet


def _errors(sshd_server, fleet, host: str, rate: str) -> None:
    path = fleet.sandboxes[host] / "errors"
    path.write_text(f"{rate}\n")
    os.chown(path, sshd_server.account.uid, sshd_server.account.gid)


async def _late_yes(pilot, sshd_server, fleet, host: str) -> None:
    """At the question, `host` goes bad and the live watcher reads it twice (the probe's
    interval has passed since the round the question was asked on); then y."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
    _errors(sshd_server, fleet, host, "0.4")
    reading = app.live.watcher.readings["app/errors"]

    def bad() -> int:
        return len([s for s in reading.history if s.state is SampleState.BAD])

    before = bad()
    await until(pilot, lambda: bad() >= before + 2, 60)

    # What the yes rests on is what the probes read now, not as they read when asked.
    def shown() -> str:
        return str(app.screen.query_one("#confirm-detail", Static).render())

    await until(pilot, lambda: f"bad on {host} 0.4" in shown(), 10)
    assert "✘ app/errors" in shown(), shown()
    await pilot.press("y")


async def test_a_late_yes_is_judged_on_the_probes_read_after_it(sshd_server, tmp_path: Path):
    fleet = _fleet(sshd_server, tmp_path, "new_checkout=0\n")
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _asked_to_run(pilot, "reenable")
        await pilot.press("y")
        await _late_yes(pilot, sshd_server, fleet, "app-2")
        held = StepStatus.HELD
        await until(pilot, lambda: app.conductor.state.step("restore").status is held, 60)
        await until(pilot, lambda: "restore" not in app.conductor.running)
        journal = app.conductor.recorder.path
    assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}  # not 25
    events = read_journal(journal).events
    [hold] = [e for e in events if e.kind == Kind.ROLLOUT_HELD]
    assert hold.data.reason == (
        "not healthy when stage 2 was confirmed: app/errors = 0.4 (bad > 0.05), bad on app-2 0.4"
    ), hold.data.reason
    kinds = [e.kind for e in events if e.kind in (Kind.WAVE_ANSWERED, Kind.ROLLOUT_PROBED)]
    assert kinds[-2:] == [Kind.WAVE_ANSWERED, Kind.ROLLOUT_PROBED], kinds
    # the ask's round and the yes's read apart (both read 'probes after re-enable step 1')
    said = [describe(e).split(":", 1)[0] for e in events if e.kind == Kind.ROLLOUT_PROBED]
    assert said == [
        "probes after re-enable step 1 of 4 (5%)",
        "probes again as step 2 (25%) was confirmed",
    ], said


async def test_a_late_yes_to_the_next_wave_is_judged_too(sshd_server, tmp_path: Path):
    fleet = _fleet(sshd_server, tmp_path, "new_checkout=100\n")
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await _asked_to_run(pilot, "off")
        await pilot.press("y")
        await _late_yes(pilot, sshd_server, fleet, "app-1")  # the canary
        halted = StepStatus.HALTED
        await until(pilot, lambda: app.conductor.state.step("restore").status is halted, 60)
        await until(pilot, lambda: "restore" not in app.conductor.running)
        journal = app.conductor.recorder.path
    assert fleet.written("flags") == {"app-1": "new_checkout=0\n", "app-2": "new_checkout=100\n"}
    events = read_journal(journal).events
    [halt] = [e for e in events if e.kind == Kind.RUN_HALTED]
    # the timeline read 'probes after wave 1 of 2 on app-1' twice: the ask's, the yes's
    assert [describe(e) for e in events if e.kind == Kind.WAVE_PROBED] == [
        "probes after wave 1 of 2 on app-1: healthy, app/errors = 0.01",
        "probes again as wave 2 was confirmed, on app-1: NOT HEALTHY, wave 2 not started:"
        " app/errors = 0.4 (bad > 0.05), bad on app-1 0.4",
    ]
    assert halt.data.reason == (
        "wave 2 of 2: not healthy when wave 2 was confirmed: app/errors = 0.4 (bad > 0.05),"
        " bad on app-1 0.4"
    ), halt.data.reason
