"""Pilot tests for abort, retry of failed hosts, and skipping a step with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.model.events import Kind
from console.model.state import HostStatus, StepStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.dialogs import TextPrompt
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.notify_dialog import NotifyDialog
from console.ui.screens.quit import QuitDialog
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    declare_and_pick,
    demo_settings,
    enter_out_of_order,
    open_incident,
    start_evidence_step,
    type_slowly,
    type_text,
    until,
    until_shown,
)

STEP = "capture-evidence"


async def test_abort_asks_a_reason_and_stops_the_hanging_host(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings(), [Fault(FaultKind.HANG, "web-1")]) as fleet:
        app = build_app(fleet.settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            conductor = app.conductor
            await start_evidence_step(pilot)
            await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
            hosts = conductor.state.step(STEP).hosts
            await until(
                pilot,
                lambda: (
                    len(hosts) == 3
                    and hosts["web-1"].status is HostStatus.RUNNING
                    and hosts["web-2"].status is HostStatus.SUCCEEDED
                ),
            )
            await pilot.press("ctrl+q")  # quitting mid-step asks first: abort or detach
            assert isinstance(app.screen, QuitDialog)
            await pilot.press("escape")  # stay
            assert isinstance(app.screen, ExecutionScreen)
            await pilot.press("a")
            assert isinstance(app.screen, TextPrompt)
            await pilot.press("enter")  # an empty reason is refused, visibly
            assert "cannot be empty" in str(app.screen.query_one("#prompt-error").render())
            await type_text(pilot, "web-1 hangs; stop and rethink")
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.step(STEP).status is StepStatus.FAILED)
            assert hosts["web-1"].status is HostStatus.ABORTED
            assert conductor.state.aborts[0]["reason"] == "web-1 hangs; stop and rethink"
            await until_shown(pilot, "#exec-counts", "1 aborted: web-1")  # drawn at its next sync


async def test_retry_failed_hosts_runs_only_those(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        metrics = fleet.sandboxes["web-2"] / "service" / "metrics"
        saved = metrics.read_text()
        metrics.unlink()  # web-2 fails the first time
        app = build_app(fleet.settings, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            conductor = app.conductor
            await pilot.press("enter", "enter")
            await until(pilot, lambda: conductor.current().id == STEP)
            await pilot.pause(0.1)
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.step(STEP).status is StepStatus.FAILED)
            assert conductor.failed_hosts(STEP) == ["web-2"]
            metrics.write_text(saved)
            await pilot.pause(0.1)
            await pilot.press("t")
            await until(pilot, lambda: conductor.state.step(STEP).status is StepStatus.DONE)
            runs = conductor.state.step(STEP).hosts
            assert runs["web-2"].attempt == 2
            assert runs["web-1"].attempt == 1
            started = [e for e in conductor.recorder.events if e.kind == Kind.STEP_STARTED]
            assert started[-1].data.hosts == ["web-2"]


async def test_skip_needs_a_reason_and_records_it(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        await pilot.press("s")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("enter")
        assert isinstance(app.screen, TextPrompt)  # still asking: no reason given
        await type_slowly(pilot, "bridge already open from the release call")
        await pilot.press("enter")
        await until(pilot, lambda: conductor.state.step("open-bridge").status.finished)
        st = conductor.state.step("open-bridge")
        assert st.status is StepStatus.SKIPPED
        assert st.skip_reason == "bridge already open from the release call"
        await until(pilot, lambda: conductor.current().id == "stop-traffic-shift")


@pytest.mark.parametrize("journal_here", [False, True, "drill", "closed"])
async def test_a_stale_lock_is_taken_over_only_with_a_reason(
    tmp_path: Path, journal_here: bool | str
) -> None:
    """With the crashed incident's journal on this jump host, resuming it is offered too.
    A drill's is not (seen: 'resume it there (r)' for a drill cut short, which nothing
    carries on): what taking its lock over means is said instead. Nor one closed with a
    host unknown, its lock kept (seen on a real sshd fleet after exec lost web-2: "still
    open ... resume it there (r)"): the host is named, and the verify by hand."""
    import socket
    import subprocess
    import sys

    from console.journal.lock import Holder, SystemLocks

    if journal_here:  # its console opened it, then died (a released lock stands in)
        crashed = build_engine(demo_settings(), tmp_path / "incidents")
        drill = journal_here == "drill"
        crashed_one = crashed.new_incident(
            "checkout", incident_id="inc-crashed", systems=["web"], drill=drill
        )
        crashed_one.release_locks()
        if journal_here == "closed":  # as a close with web-2 unknown records it
            crashed_one.recorder.record(
                Kind.LOCK_KEPT, systems=["web"], hosts=["web-2"], closed_as="failed: lost"
            )
            crashed_one.recorder.record(
                Kind.INCIDENT_CLOSED, outcome="failed", label="failed: lost", unknown=["web-2"]
            )
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    locks = SystemLocks(tmp_path / "locks")
    locks.acquire("web", Holder(dead.pid, "alice", socket.gethostname(), "earlier", "inc-crashed"))
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            # Picking `web` is taking charge of it: the stale lock is met on the picker.
            await declare_and_pick(pilot, "checkout errors")
            await pilot.press("space", "enter")
            await until(pilot, lambda: isinstance(app.screen, TextPrompt))
            said = str(app.screen.query_one(".dialog-text").render())
            assert "stale lock" in said
            offered = "Incident inc-crashed is still open on this jump host: to carry it on"
            assert (offered in said) is (journal_here is True)
            drill_said = "Drill inc-crashed was cut short on this jump host (its console is gone)"
            assert (drill_said in " ".join(said.split())) is (journal_here == "drill"), said
            closed_said = (
                "Incident inc-crashed was closed with the outcome unknown on"
                " web-2: a change may still run there. Check it first, as the verify by hand"
                " does: rollback-console verify inc-crashed --take-over-lock REASON."
            )
            assert (closed_said in " ".join(said.split())) is (journal_here == "closed"), said
            assert "(r)" not in said or journal_here is True
            # The locks are claimed before the incident is recorded: nothing of it exists yet.
            assert app.conductor is None
            journals = (tmp_path / "incidents").glob("*/journal.jsonl")
            assert [j.parent.name for j in journals] == (["inc-crashed"] if journal_here else [])
            await type_text(pilot, "alice's console crashed; I am the commander now")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            conductor = app.conductor
            assert conductor.state.systems == ["web"]
            await pilot.press("enter", "enter")  # the two manual steps
            await until(pilot, lambda: conductor.current().id == STEP)
            await pilot.pause(0.1)
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.step(STEP).status is StepStatus.DONE)
    taken = [e for e in conductor.recorder.events if e.kind == Kind.LOCK_TAKEN_OVER]
    assert taken[0].data.reason == "alice's console crashed; I am the commander now"
    assert taken[0].data.previous["incident"] == "inc-crashed"


async def test_a_status_update_stays_on_the_checklist_and_says_what_was_sent(
    tmp_path: Path,
) -> None:
    app = build_app(demo_settings(), tmp_path)  # the update goes from the jump host
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        conductor = app.conductor
        screen = app.screen
        screen.select_step("communicate")
        await pilot.pause(0.1)
        detail = str(screen.query_one("#step-detail", Static).render())
        assert "Runs on the jump host: " in detail and "Hosts:" not in detail
        await enter_out_of_order(pilot)
        await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
        await pilot.press("enter")  # the message as shown
        await until(pilot, lambda: conductor.state.step("communicate").status.finished)
        await pilot.pause(0.1)
        assert app.screen is screen  # no empty host grid to look at
        assert conductor.state.step("communicate").status is StepStatus.DONE
        toasts = [n for n in app._notifications if n.title == "Status update sent"]
        assert len(toasts) == 1
        assert toasts[0].message.startswith("notification via command: delivered")
