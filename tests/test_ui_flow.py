"""The whole rollback with keys only, on the demo fleet, asserted on the journal."""

from __future__ import annotations

import stat
from pathlib import Path

from console.demo.fleet import DemoFleet
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.procedure import FormField
from console.model.state import StepStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.close import CloseDialog
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.export import ExportScreen
from console.ui.screens.form import FormScreen
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    do_current_step,
    open_incident,
    type_slowly,
    until,
)

# The post-rollback form, field after field as on screen; the action item's row is
# action, type (left at prevent), owner, priority, due, ticket.
FORM = [
    "web 2.4.1 broke checkout",
    "SEV2",
    "1 in 3 checkouts",
    "2026-03-14 09:20",
    "2026-03-14T09:45:00Z",
    "lost orders for 25 minutes",
    "a null price in the cart",
    "fix and add a test",
    "Test a null price in the cart",
    "tab",
    "alice",
    "P1",
    "2026-03-20",
    "OPS-7",
    "canary first",
    "the trigger fired at once",
    "the canary skipped checkout",
    "a quiet hour",
    "2026-03-20 10:00",
    "bob",
]
ANSWERS = {
    FormField.REASON.value: "web 2.4.1 broke checkout",
    FormField.SEVERITY.value: "SEV2",
    FormField.IMPACT_USERS.value: "1 in 3 checkouts",
    FormField.IMPACT_START.value: "2026-03-14 09:20",
    FormField.IMPACT_END.value: "2026-03-14 09:45",
    FormField.BUSINESS_IMPACT.value: "lost orders for 25 minutes",
    FormField.ROOT_CAUSE.value: "a null price in the cart",
    FormField.REMEDIATION.value: "fix and add a test",
    FormField.ACTION_ITEMS.value: [
        {
            "action": "Test a null price in the cart",
            "type": "prevent",
            "owner": "alice",
            "priority": "P1",
            "due": "2026-03-20",
            "ticket": "OPS-7",
        }
    ],
    FormField.PROCEDURE_UPDATES.value: "canary first",
    FormField.WENT_WELL.value: "the trigger fired at once",
    FormField.WENT_WRONG.value: "the canary skipped checkout",
    FormField.GOT_LUCKY.value: "a quiet hour",
    FormField.RETRY_SCHEDULE.value: "2026-03-20 10:00",
    FormField.RETRY_OWNER.value: "bob",
}


async def test_whole_rollback_with_keys_only(tmp_path: Path, export_child_unniced: None) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("n")
            assert isinstance(app.screen, TriggerScreen)
            await pilot.press("ctrl+s")  # no trigger chosen yet: refused, said so
            assert "Choose a trigger" in str(app.screen.query_one("#trigger-error").render())
            await pilot.press("down", "enter")  # user impact assessment
            await pilot.press("enter")  # empty reason: refused, said so
            assert "Type a reason" in str(app.screen.query_one("#trigger-error").render())
            await type_slowly(pilot, "checkout errors for 30% of users")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))

            await pilot.press("space", "enter")  # the whole `web` system
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            conductor = app.conductor
            assert conductor is not None
            assert conductor.state.systems == ["web"]
            assert conductor.state.strategy == "version-rollback"

            while (step := conductor.current()) is not None and step.kind.value != "form":
                await do_current_step(pilot)
                if step.kind.value not in ("manual", "notify"):  # notify: from the jump host
                    assert isinstance(app.screen, ExecutionScreen)
                st = conductor.state.step(step.id)
                assert st.status is StepStatus.DONE, (step.id, st.summary, app.screen)

            # Every step ran with its result on screen: no toast said it again.
            assert not [n for n in app._notifications if n.title == "Step done"]

            await pilot.press("f2")
            await pilot.pause(0.1)
            await pilot.press("enter")  # the first form step opens the form
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            for text in FORM:  # Tab and Enter both move on; Tab passes the item's type
                if text == "tab":
                    await pilot.press("tab")
                    continue
                await type_slowly(pilot, text)
                await pilot.press("enter")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: conductor.current() is None)

            await pilot.press("f2")  # every step is done: Enter closes, as verified
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.closed)
            assert conductor.state.outcome_label == "rolled back and verified"

            await pilot.press("f6")
            await until(pilot, lambda: isinstance(app.screen, ExportScreen))
            await pilot.press("ctrl+s")
            # the write renders the document in a child process: seconds on a loaded
            # machine, beyond until's 20 s (as the export snapshots timed out at load 23)
            await until(pilot, lambda: bool(conductor.state.exports), 120.0)

        for host in ("web-1", "web-2", "web-3"):
            assert (fleet.sandboxes[host] / "current").readlink().name == "2.4.0"

    journal = tmp_path / "incidents" / INCIDENT_ID / "journal.jsonl"
    events = read_journal(journal).events
    kinds = [e.kind for e in events]
    trigger = next(e for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert trigger.data.kind == "user-impact"
    assert trigger.data.reason == "checkout errors for 30% of users"
    assert all(e.who.user == "commander" for e in events)
    assert kinds.count(Kind.STEP_CONFIRMED) == 3
    restore = [e for e in events if e.kind == Kind.COMMAND_RESULT and e.where.step == "restore"]
    assert {e.where.host for e in restore} == {"web-1", "web-2", "web-3"}
    assert not any(e.data.failure for e in restore)
    fields = {e.data.field: e.data.value for e in events if e.kind == Kind.FIELD_SET}
    assert fields == ANSWERS
    export = next(e for e in events if e.kind == Kind.EXPORT_WRITTEN)
    document = Path(export.data.path).read_text()
    assert stat.S_IMODE(Path(export.data.path).stat().st_mode) == 0o600
    for section in (
        "## Trigger event details",
        "## Timeline",
        "## Systems affected",
        "## Resolution steps",
        "## Lessons learned",
    ):
        assert section in document
    assert (
        "| Test a null price in the cart | prevent | alice | P1 | 2026-03-20 | OPS-7 |" in document
    )
    assert "a quiet hour" in document.split("### Where we got lucky")[1]
    assert "2026-03-20 10:00 UTC · owner: bob" in document
    assert "User impact assessment" in document
    assert "| Outcome | rolled back and verified |" in document
    assert "| Commander | commander |" in document


async def test_a_many_line_command_step_says_its_first_line_is_not_all_of_it(tmp_path: Path):
    """Seen at 80x24: 'Runs: echo "release=$(basename ...)"' under a seven-line
    assessment, read as the whole command. It says how many lines follow (p shows them)."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.screen.select_step("assess-state")
        await pilot.pause()
        detail = " ".join(str(app.screen.query_one("#step-detail").render()).split())
        assert 'Runs: echo "release=$(basename "$(readlink current)")" (+6 more lines)' in (
            detail
        ), detail
