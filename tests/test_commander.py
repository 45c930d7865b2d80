"""The incident has a commander; steps that act on hosts or people ask first; the whole
incident can be aborted at any time; quitting is clean."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.journal.export.markdown import render_markdown
from console.model.events import Kind
from console.model.state import HostStatus, StepStatus
from console.model.triggers import TriggerKind
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog, TextPrompt
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.notify_dialog import NotifyDialog
from console.ui.screens.picker import PickerScreen
from console.ui.screens.quit import QuitDialog
from console.ui.widgets.message_area import MessageArea
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    demo_settings,
    enter_out_of_order,
    open_incident,
    press_to_end,
    type_slowly,
    type_text,
    until,
    until_quit,
    until_shown,
)


def kinds(app) -> list[str]:
    return [e.kind for e in app.conductor.recorder.events]


def started(app, step: str) -> dict:
    return next(
        e.data.dump()
        for e in reversed(app.conductor.recorder.events)
        if e.kind == Kind.STEP_STARTED and e.where.step == step
    )


async def walk_to(pilot, step: str) -> None:
    """Confirm and run the steps before `step` (none of them asks)."""
    app = pilot.app
    while app.conductor.current().id != step:
        current = app.conductor.current()
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        app.screen.select_step(current.id)
        await pilot.press("enter")
        await until(pilot, lambda c=current: app.conductor.state.step(c.id).status.finished)


def test_the_declaration_names_the_commander_and_every_event_carries_it(tmp_path: Path) -> None:
    engine = build_engine(demo_settings(), tmp_path / "incidents")
    conductor = engine.new_incident("checkout", incident_id="inc-1")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout fails", commander="alice@10.0.0.7")
    conductor.select(["web"])
    conductor.hand_over("bob@10.0.0.9", "night shift")
    conductor.note("bridge moved")
    events = conductor.recorder.events
    declared = next(e for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert declared.data.commander == "alice@10.0.0.7"
    assert declared.who.commander == "alice@10.0.0.7" and declared.who.user == "commander"
    selected = next(e for e in events if e.kind == Kind.SYSTEMS_SELECTED)
    assert selected.who.commander == "alice@10.0.0.7"
    handed = next(e for e in events if e.kind == Kind.COMMANDER_HANDED_OVER)
    assert handed.data.dump() == {
        "to": "bob@10.0.0.9",
        "previous": "alice@10.0.0.7",
        "note": "night shift",
    }
    assert handed.who.commander == "alice@10.0.0.7"  # the outgoing commander hands over
    assert events[-1].who.commander == "bob@10.0.0.9"
    state = conductor.state
    assert state.commander == "bob@10.0.0.9"
    assert [c["name"] for c in state.commanders] == ["alice@10.0.0.7", "bob@10.0.0.9"]
    document = render_markdown(events)
    assert (
        "| Commander | alice@10.0.0.7, then bob@10.0.0.9 (from 2026-03-14 09:30:04 UTC) |"
        in document
    )
    assert "| commander (commander bob@10.0.0.9) | noted: bridge moved |" in document


async def test_the_commander_is_editable_and_shown(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "down", "enter")
        await type_text(pilot, "checkout errors")
        commander = app.screen.query_one("#commander", Input)
        assert commander.value == "commander"  # the login name (no SSH client here)
        commander.value = "alice@10.0.0.7"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("space", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        assert app.conductor.state.commander == "alice@10.0.0.7"
        await until_shown(pilot, "IncidentBar", "commander alice@10.0.0.7")
        app.lifecycle.prompt_hand_over()
        await type_slowly(pilot, "bob")
        await pilot.press("enter")
        await until(pilot, lambda: app.conductor.state.commander == "bob")
        await pilot.press("enter")  # confirm the first manual step: by the commander
        await until(pilot, lambda: app.conductor.state.step("open-bridge").status.finished)
        assert app.conductor.state.step("open-bridge").summary == "confirmed by bob"


async def test_a_step_that_changes_hosts_shows_its_command_and_asks(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await walk_to(pilot, "halt-delivery")  # capture-evidence is read-only: no question
            assert "confirmed" not in started(app, "capture-evidence")
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm))
            text = " ".join(str(s.render()) for s in app.screen.query("Static"))
            assert "deploy.lock" in text and "web-1, web-2, web-3" in text
            assert "Run “Halt current delivery process” on 3 host(s)?" in str(
                app.screen.query_one(".dialog-title").render()
            )
            await pilot.press("escape")  # nothing is sent
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            assert Kind.STEP_STARTED not in [
                e.kind for e in app.conductor.recorder.events if e.where.step == "halt-delivery"
            ]
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm))
            await pilot.press("y")
            await until(pilot, lambda: app.conductor.state.step("halt-delivery").status.finished)
            assert started(app, "halt-delivery")["confirmed"] == (
                "commander (command and 3 host(s) shown)"
            )


async def test_a_status_update_shows_its_message_to_edit_and_journals_what_was_sent(
    tmp_path: Path,
) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            app.conductor.confirm("open-bridge")
            await pilot.pause(0.1)
            app.screen.select_step("communicate")
            await enter_out_of_order(pilot)
            await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
            message = app.screen.query_one("#notify-message", MessageArea)
            assert message.value.startswith(f"[info] {INCIDENT_ID} (execution)")
            message.load_text("Rolling web back to 2.4.0; next update in 15 min")
            await pilot.press("enter")
            await until(pilot, lambda: app.conductor.state.step("communicate").status.finished)
            sent = next(
                e for e in app.conductor.recorder.events if e.kind == Kind.NOTIFICATION_SENT
            )
            assert sent.data.message == "Rolling web back to 2.4.0; next update in 15 min"
            assert started(app, "communicate")["edited"] is True


async def test_the_whole_incident_can_be_aborted_with_nothing_running(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.press("a")  # nothing runs: it offers to abort the incident
        assert isinstance(app.screen, TextPrompt)
        assert f"Abort incident {INCIDENT_ID}" in str(
            app.screen.query_one(".dialog-title").render()
        )
        await type_text(pilot, "the bridge called it off")
        await pilot.press("enter")
        await until(pilot, lambda: app.conductor.state.closed)
        assert app.conductor.state.outcome_label == "aborted: the bridge called it off"


async def test_aborting_the_incident_stops_what_runs_then_closes_it(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings(), [Fault(FaultKind.HANG, "web-1")]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await walk_to(pilot, "capture-evidence")
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            await pilot.press("enter")
            hosts = app.conductor.state.step("capture-evidence").hosts
            await until(
                pilot, lambda: "web-1" in hosts and hosts["web-1"].status is HostStatus.RUNNING
            )
            app.aborting.prompt_abort_incident()
            await type_text(pilot, "web-1 hangs")
            await pilot.press("enter")
            await until(pilot, lambda: app.conductor.state.closed)
            assert hosts["web-1"].status is HostStatus.ABORTED
            assert app.conductor.state.outcome == "aborted"
            assert kinds(app)[-1] == Kind.INCIDENT_CLOSED  # after the hosts' ends


async def test_quit_with_nothing_open_exits_0_at_once(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await press_to_end(pilot, "ctrl+q")
    assert app.return_code == 0
    assert app.summary() == "rollback-console: no incident was open"


async def test_q_and_ctrl_c_quit_like_ctrl_q_and_say_how_to_resume(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        await pilot.press("ctrl+c")
        assert isinstance(app.screen, ConfirmDialog)
        said = str(app.screen.query_one(".dialog-text").render())
        assert "stays open: resume it from the home screen (r), or with" in said
        assert said.splitlines()[-1].startswith("rollback-console resume ")  # whole, no "."
        assert said.endswith(f"/{app.conductor.state.incident_id}")  # resume takes the directory
        await pilot.press("escape")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmDialog)
        await press_to_end(pilot, "y")
    assert app.return_code == 0
    summary = app.summary()
    assert summary.startswith(f"{INCIDENT_ID}: open at step 1 of 14 (Open the incident bridge")
    assert "; resume with: rollback-console resume " in summary and "\n" not in summary
    assert summary.endswith(f"/{INCIDENT_ID}")  # the directory, as the quit dialog says


async def test_detaching_leaves_a_summary_that_says_which_hosts_to_verify(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings(), [Fault(FaultKind.HANG, "web-1")]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            await walk_to(pilot, "capture-evidence")
            await pilot.press("f2")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            await pilot.press("enter")
            hosts = app.conductor.state.step("capture-evidence").hosts
            # web-1 hangs; web-2 and web-3 have ended (at load 25 they still ran when the
            # console detached, and were named with web-1)
            waiting = (HostStatus.PENDING, HostStatus.RUNNING)
            await until(
                pilot,
                lambda: (
                    len(hosts) == 3
                    and [h for h, r in sorted(hosts.items()) if r.status in waiting] == ["web-1"]
                    and hosts["web-1"].status is HostStatus.RUNNING
                ),
            )
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, QuitDialog))
            await pilot.press("d")
            await until_quit(app)
        assert app.return_value == 0  # the commander chose to quit
        detached = [e for e in app.conductor.recorder.events if e.kind == Kind.RUN_DETACHED]
        assert detached[0].data.dump() == {"running": ["capture-evidence"], "hosts": ["web-1"]}
        assert not app.conductor.state.aborts
        assert "verify web-1 first" in app.summary()


async def test_quitting_after_a_failed_step_says_so_in_the_summary(tmp_path: Path) -> None:
    """Seen at 80x24 on a README fleet: a re-enable failed on one host at 50 %, two held
    there, and the line left on the terminal said only 'open at step 1 of 9 (Open the
    incident bridge ...)', as if nothing had run. It names each step that ran and did not
    end well, with its summary."""
    async with DemoFleet(demo_settings(), [Fault(FaultKind.FAIL, "web-1")]) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            app.start_run("restore")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm))
            await pilot.press("y")
            restore = app.conductor.state.step("restore")
            await until(pilot, lambda: restore.status is StepStatus.FAILED)
            await until(pilot, lambda: "restore" not in app.conductor.running)
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await press_to_end(pilot, "y")
    summary = app.summary()
    assert summary.startswith(f"{INCIDENT_ID}: open at step 1 of 14 (Open the incident bridge")
    assert f"; “Restore previous version” failed ({restore.summary}); resume with" in summary
    assert "1 failed" in restore.summary
