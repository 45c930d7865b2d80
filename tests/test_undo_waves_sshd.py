"""An undo goes in the strategy's waves, as the step it undoes did: canary first, the
commander's yes (or --yes, after a wave whose every host succeeded or needed nothing) before the next, its
failure threshold. Walked on a README fleet: a rollback that went canary-first, asking
between waves, was undone on every host at once ("Waves: all 7 at once"), so an undo
that breaks (its restart, a full disk) broke the whole fleet in one go."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import WaveStarted
from console.model.state import HostStatus, StepStatus, fold
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from tests.cli_fleet import Fleet
from tests.test_needed_nothing_sshd import STRATEGIES, releases, restore_started
from tests.test_needed_nothing_sshd import fleet as four_hosts  # noqa: F401
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import WAIT
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

WAVES = {"size": 2, "confirm": True}


@pytest.fixture
def waved(four_hosts: Fleet) -> Fleet:  # noqa: F811
    """test_needed_nothing_sshd's fleet of four (releases 2.9.1 and 2.10.0, current on
    2.10.0), its version-rollback in waves of two that ask before the next."""
    [strategy] = STRATEGIES["strategies"]
    waves = {"strategies": [{**strategy, "waves": WAVES}]}
    (four_hosts.config / "strategies.toml").write_text(tomli_w.dumps(waves))
    return four_hosts


def undo_breaks_on(fleet: Fleet, host: str) -> Path:
    """Its workdir read-only: the undo cannot swap the link back there."""
    sandbox = fleet.sandboxes[host]
    sandbox.chmod(0o555)
    return sandbox


def waves_of(journal: Path, step: str) -> list[list[str]]:
    events = read_journal(journal).events
    return [
        list(e.data.hosts)
        for e in events
        if e.kind == Kind.WAVE_STARTED and e.where.step == step and isinstance(e.data, WaveStarted)
    ]


def test_the_headless_undo_goes_canary_first_and_stops_where_a_wave_failed(waved, tmp_path):
    """The undo goes canary first and stops where a wave failed; going on, it stops after
    its wave when its terminal closes (here a `kill -HUP`): that wave runs to its end, the
    next is not started, its last line names the hosts left, exit 129."""
    fleet, journal = waved, tmp_path / "incident"
    holds = f"test ! -e hold || {{ : > held; {WAIT.rsplit(';', 1)[0]}; }}"  # an undo's waits
    ran = fleet.cli(
        "run", "--systems", "app", "--strategy", "version-rollback", "--param",
        f"restart={holds}", "--trigger", "user-impact", "--reason", "checkout errors", "--yes",
        "--journal", str(journal),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert set(releases(fleet).values()) == {"2.9.1"}
    sandbox = undo_breaks_on(fleet, "app-2")
    try:
        undo = fleet.cli("undo", str(journal), "restore", "--yes")
    finally:
        sandbox.chmod(0o755)

    assert undo.returncode == 1, undo.stdout + undo.stderr
    # The first wave only: app-1 undone, app-2's undo failed, the others left as they are.
    assert releases(fleet) == {
        "app-1": "2.10.0",
        "app-2": "2.9.1",
        "app-3": "2.9.1",
        "app-4": "2.9.1",
    }
    path = journal / "journal.jsonl"
    assert waves_of(path, "restore.undo") == [["app-1", "app-2"]]
    last = undo.stdout.strip().splitlines()[-1]
    assert last.startswith(
        "restore: undo STOPPED (wave 2 of 2: not confirmed (app-2 did not succeed));"
        " undone on app-1; failed: app-2; not started: app-3, app-4; to go on once the"
        " cause is fixed: rollback-console undo "
    ), last
    assert "--hosts app-2,app-3,app-4 --dry-run" in last
    state = fold(read_journal(path).events)
    st = state.step("restore.undo")
    assert st.hosts["app-3"].status is HostStatus.NOT_STARTED
    notes = [e.data.text for e in read_journal(path).events if e.kind == Kind.NOTE_ADDED]
    assert any("retry the undo once the cause is fixed" in n for n in notes), notes

    # Going on, as the last line says: the hosts left, in waves again; its terminal closes
    # while app-2's undo runs.
    (fleet.sandboxes["app-2"] / "hold").touch()  # its undo's restart waits for `go`
    again = fleet.started("undo", str(journal), "restore", "--hosts", "app-2,app-3,app-4", "--yes")
    try:
        _wait_for((fleet.sandboxes["app-2"] / "held").exists, "app-2's undo to run")
        again.send_signal(signal.SIGHUP)
        _wait_for(lambda: "ended by SIGHUP" in path.read_text(), "the hang-up's note")
        (fleet.sandboxes["app-2"] / "go").touch()
        assert again.wait(timeout=60) == 129
        last = (again.stdout.read() if again.stdout else "").strip().splitlines()[-1]
    finally:
        again.kill()
        again.wait(timeout=30)
    assert last.startswith(
        "restore: undo STOPPED (ended by SIGHUP); undone on app-1, app-2, app-3; not started:"
        " app-4; to go on: rollback-console undo "
    ), last
    assert "--hosts app-4 --dry-run" in last
    assert releases(fleet)["app-4"] == "2.9.1"
    assert read_journal(path).events[-1].kind == Kind.LOCK_RELEASED
    last_wave = fleet.cli("undo", str(journal), "restore", "--hosts", "app-4", "--yes")
    assert last_wave.returncode == 0, last_wave.stdout + last_wave.stderr
    assert set(releases(fleet).values()) == {"2.10.0"}
    assert waves_of(path, "restore.undo")[1:] == [["app-2", "app-3"], ["app-4"]]


async def test_the_consoles_undo_says_its_waves_and_asks_between_them(waved, tmp_path):
    fleet = waved
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = await restore_started(pilot)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30)
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.finished, 30)
        assert set(releases(fleet).values()) == {"2.9.1"}

        app.undo_step("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        about = " ".join(str(app.screen.query_one("#run-commands .dialog-text").render()).split())
        assert "Waves: 2 waves of 2 hosts each, your yes before each next one" in about, about
        assert "all 4 at once" not in about
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 30)
        question = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
        assert question.startswith(
            "Wave 1 of 2 of “Undo: Restore previous version” has finished: 2 ok"
        ), question
        assert "(t on the execution screen retries the undo to go on)" in question
        # Only the canary wave is undone while the commander is asked.
        assert releases(fleet) == {
            "app-1": "2.10.0",
            "app-2": "2.10.0",
            "app-3": "2.9.1",
            "app-4": "2.9.1",
        }
        await pilot.press("escape")  # stop here
        undo = conductor.state.step("restore.undo")
        await until(pilot, lambda: undo.status is StepStatus.STOPPED, 30)
        assert undo.hosts["app-3"].status is HostStatus.NOT_STARTED
        assert releases(fleet)["app-3"] == "2.9.1"

        # t on the execution screen goes on with the hosts not started, in waves.
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await until(pilot, lambda: app.screen.step_id == "restore.undo")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        await until(pilot, lambda: undo.hosts["app-4"].status is HostStatus.SUCCEEDED, 30)
        assert set(releases(fleet).values()) == {"2.10.0"}
        answers = [
            e.data
            for e in conductor.recorder.events.actions
            if e.kind == Kind.WAVE_ANSWERED and e.where.step == "restore.undo"
        ]
        assert [(a.go_on, a.by) for a in answers] == [(False, conductor.state.commander)]
