"""A host whose connection drops mid-action counts against max_fail_percentage as a
failure would (its change may have failed), and the halt says it so. Seen on a real sshd
fleet at 80x24: a retry of one host lost mid-restart recorded "1 of 1 hosts failed" (none
had failed), the execution screen read "✘ HALTED  0 of 7 host(s) failed, more than the
limit of 50% · 0 host(s) not started · t retries them with the failed ones" (t offered
nothing), and once V had found the change made and the step read done, the banner stayed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.attempts import verify_unknown
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.state import HostStatus
from console.ui.follow import make_follow_app
from tests.cli_fleet import LINK_VERIFY, Fleet, flag_incident
from tests.test_lost_mid_change import STRATEGIES, _drop, _sessions_of, release_fleet
from tests.test_lost_mid_verify_sshd import _drop_when_sent
from tests.test_resume_between_waves import attempts_ended
from tests.test_ui_support import START, step_detail_shown, until

pytestmark = pytest.mark.sshd

LIMITED = {"strategies": [STRATEGIES["strategies"][0] | {"max_fail_percentage": 40} | LINK_VERIFY]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    return release_fleet(sshd_server, tmp_path, LIMITED)


async def _halt_banner(journal: Path) -> str:
    """The execution screen's halt banner, as a follower at 80x24 sees it."""
    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.screen.query("#steps")))
        await pilot.press("f3")
        await until(pilot, lambda: bool(app.screen.query("#exec-halt")))
        await pilot.pause(0.2)
        halt = app.screen.query_one("#exec-halt", Static)
        return " ".join(str(halt.render()).split()) if halt.display else ""


async def _lose_mid_action(conductor, fleet: Fleet, sshd_server, host: str) -> None:
    """Drop `host`'s SSH session once its action has switched its link (its restart
    waits for `go`)."""
    link = fleet.sandboxes[host] / "current"
    for _ in range(600):
        intents = [
            e
            for e in conductor.recorder.events
            if e.kind == Kind.COMMAND_INTENT and e.where.host == host
            if e.data.stage == "action"
        ]
        if intents and link.readlink() == Path("releases/1.10.0"):
            break
        await asyncio.sleep(0.05)
    _drop(_sessions_of(intents[0].data.token, sshd_server.server.process.pid))


async def test_a_host_lost_mid_action_is_unknown_not_failed(fleet: Fleet, sshd_server):
    """app-2's session lost mid-action in the run's only wave: past the limit (1 of 2),
    with every host begun, nothing was held back: no halt (it read "? HALTED ... · every
    host was started"), app-2 unknown, never failed."""
    async with flag_incident(fleet, "release") as conductor:
        run = asyncio.create_task(conductor.run_step("restore"))
        await _lose_mid_action(conductor, fleet, sshd_server, "app-2")
        (fleet.sandboxes["app-1"] / "go").touch()
        assert not await run
        journal = conductor.recorder.path
        restore = conductor.state.step("restore").hosts
        assert restore["app-2"].status is HostStatus.UNKNOWN
        assert [e for e in conductor.recorder.events if e.kind == Kind.RUN_HALTED] == []
        assert await _halt_banner(journal) == ""

        attempts_ended(journal.parent)  # its supervisor ends the action the lost session left
        assert await verify_unknown(conductor, None) == {"app-2": "verified: succeeded"}
        # The document's failures name no host: app-2's lost session was no failure.
        document = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
        failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
        assert "### app-2" not in failures, failures
        # The timeline: the run's row says what it left; V's check is a row of its own.
        rows = [
            r
            for r in document.splitlines()
            if "restore" in r and ("sent →" in r or "its verify on" in r)
        ]
        assert "unknown — 2 hosts sent → 1 succeeded, 1 unknown in" in rows[0], rows
        assert "| restore: its verify on 1 host → 1 succeeded in" in rows[1], rows
        assert len(rows) == 2 and not [r for r in rows if "failed" in r], rows
    assert [e.kind for e in read_journal(journal).events].count(Kind.RUN_HALTED) == 0


WAVED = {"strategies": [LIMITED["strategies"][0] | {"waves": {"size": 1}}]}


async def test_a_halt_whose_unknown_host_verified_succeeded_reads_stopped(
    sshd_server, tmp_path: Path
):
    """Walked on a README fleet of 3 sshd hosts at 80x24: the canary's session dropped
    mid-action, the run halted at the limit with the rest not started, and once V had
    found the canary rolled back the banner read "✘ HALTED 0 of 3 host(s) failed, more than
    the limit of 25%". It says what the limit stopped and that none failed."""
    fleet = release_fleet(sshd_server, tmp_path, WAVED)
    async with flag_incident(fleet, "release") as conductor:
        run = asyncio.create_task(conductor.run_step("restore"))
        await _lose_mid_action(conductor, fleet, sshd_server, "app-1")
        assert not await run
        journal = conductor.recorder.path
        [halt] = [e for e in conductor.recorder.events if e.kind == Kind.RUN_HALTED]
        said = "1 of 2 hosts were unknown, none had failed, more than max_fail_percentage 40%"
        assert halt.data.reason == said  # none had failed: said so (it read "had failed or")
        attempts_ended(journal.parent)
        assert await verify_unknown(conductor, None) == {"app-1": "verified: succeeded"}
        banner = await _halt_banner(journal)
        # t goes on with app-2; the halt's entry in the document then says it was started
        (fleet.sandboxes["app-2"] / "go").touch()
        assert await conductor.run_step("restore", only_hosts=["app-2"])
        document = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
    assert banner == (
        "◌ STOPPED at the limit of 40% (1 of 2 host(s) failed or unknown then); none failed"
        " once verified 1 host(s) not started · t goes on with them"
    ), banner
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    assert "; not started: app-2 (started by a later run: all)" in failures, failures


async def test_an_undo_halted_by_its_canary_lost_says_unknown_and_exits_4(
    sshd_server, tmp_path: Path
):
    """Walked at 80x24 on a fleet from init: the undo of “Restore previous version”, its
    canary's connection dropped mid-undo, halted at the limit, and its banner read "✘ HALTED
    1 of 3 host(s) failed or unknown ..." (none had failed), naming nothing to check before
    t; `undo` exited 1 where `run` exits 4 for a host unknown. Headless here, in the open
    incident a run left (its console gone), its banner as a follower reads it at 80x24."""
    fleet = release_fleet(sshd_server, tmp_path, WAVED)
    async with flag_incident(fleet, "release") as conductor:
        for sandbox in fleet.sandboxes.values():
            (sandbox / "go").touch()
        assert await conductor.run_step("restore")
        journal = conductor.recorder.path
    for sandbox in fleet.sandboxes.values():  # the undo's restart waits again
        (sandbox / "go").unlink()
    undo = fleet.started("undo", str(journal.parent), "restore", "--yes")
    try:
        _drop_when_sent(journal, sshd_server, "app-1", "undo", 1)
        out, _ = undo.communicate(timeout=60)
    finally:
        undo.kill()
        for sandbox in fleet.sandboxes.values():
            (sandbox / "go").touch()
    assert undo.returncode == 4, out  # as `run`'s and `verify`'s with a host unknown
    halted = "1 of 2 hosts were unknown, none had failed, more than max_fail_percentage 40%"
    assert f"restore: undo STOPPED ({halted}); unknown: app-1; not started: app-2;" in out, out
    assert "; check app-1 by hand (undone there, or not); to undo again: " in out, out
    assert "--hosts app-1 --dry-run" in out and "; to go on: " in out, out  # nothing to fix
    assert await _halt_banner(journal) == (
        "? HALTED 1 of 2 host(s) unknown (none failed), more than the limit of 40%"
        " 1 host(s) not started · 1 unknown: check by hand first, then t starts them"
    )
    app = make_follow_app(journal, FixedClock(START))  # and the steps after it say so
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.screen.query("#steps")))
        shown = " ".join(await step_detail_shown(pilot, "doc"))
    assert "An undo of “Restore the release” left its outcome unknown" in shown, shown
