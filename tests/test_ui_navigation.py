"""Navigation that keeps input, labels that never lie, and 80x24 that shows what to do."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.containers import ScrollableContainer
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Log,
    OptionList,
    RadioSet,
    Select,
    Tree,
)

from console.demo.fleet import DemoFleet
from console.journal.describe import describe
from console.journal.export.markdown import render_markdown
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.payloads import SoakProgress
from console.model.state import StepStatus
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.execution import ExecutionScreen
from console.ui.screens.home import HomeScreen
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.cursor_view import CursorView
from console.ui.widgets.run_summary import soak_round_lines
from tests.test_ui_resume import half_done, resumed_app
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    demo_settings,
    footer_keys,
    open_incident,
    populated,
    populated_app,
    type_text,
    until,
)

CONTROLS = (Input, RadioSet, OptionList, DataTable, Tree, Button, Log, Select, Checkbox, CursorView)


def visibly_focused(app) -> Widget:
    focused = app.screen.focused
    assert focused is not None, f"nothing has focus on {app.screen}"
    scrolls = isinstance(focused, ScrollableContainer) and focused.max_scroll_y > 0
    assert isinstance(focused, CONTROLS) or scrolls, f"{focused!r} is not a control"
    assert focused.display and focused.visible, f"{focused!r} is hidden"
    region = focused.region
    assert region.width > 0 and region.height > 0, f"{focused!r} takes no room"
    return focused


async def test_esc_goes_back_one_screen_keeping_what_was_typed(tmp_path: Path) -> None:
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "down", "enter")
        await type_text(pilot, "checkout errors")
        for key in ("tab", "tab", "shift+tab", "tab"):  # focus moves; nothing is lost
            await pilot.press(key)
            visibly_focused(app)
        reason = app.screen.query_one("#reason", Input)
        assert reason.value == "checkout errors"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("space")
        await pilot.press("escape")  # back to the trigger screen, as it was left
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        assert app.screen.query_one("#reason", Input).value == "checkout errors"
        assert app.screen.chosen() == "user-impact"
        assert app.conductor is None  # nothing recorded on the way back
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("n")  # the draft comes back
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        await pilot.pause(0.1)
        assert app.screen.query_one("#reason", Input).value == "checkout errors"
        assert app.screen.chosen() == "user-impact"


@pytest.mark.parametrize("screen", ["checklist", "execution", "timeline", "form", "export"])
async def test_tab_only_reaches_visible_controls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screen: str
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen(screen)
        await pilot.pause(0.1)
        for _ in range(8):
            await pilot.press("tab")
            visibly_focused(app)
        for _ in range(3):
            await pilot.press("shift+tab")
            visibly_focused(app)


def _highlighted(app) -> str:
    radios = app.screen.focused
    assert isinstance(radios, RadioSet) and radios._selected is not None, radios
    return str(radios._nodes[radios._selected].name)


async def test_tab_on_home_trigger_and_picker_reaches_only_visible_controls(
    tmp_path: Path,
) -> None:
    """And the keys a user tries in a list move in each list of the declaration and the
    picker: End did nothing in the trigger choice (nor in the strategy choice)."""
    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(4):
            await pilot.press("tab")
            visibly_focused(app)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        reachable = [b.name for b in app.screen.query("RadioButton") if b.display]
        seen = []
        for key in ("end", "home", "pagedown", "pageup", "down", "up"):
            await pilot.press(key)
            seen.append(_highlighted(app))
        first, second, last = reachable[0], reachable[1], reachable[-1]
        assert seen == [last, first, last, first, second, first], (seen, reachable)
        for _ in range(5):
            await pilot.press("tab")
            visibly_focused(app)
        app.screen.query_one("#reason", Input).value = "x"
        app.screen.query_one("#manual-triggers", RadioSet).query("RadioButton")[1].value = True
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        for _ in range(6):
            await pilot.press("tab")
            visibly_focused(app)
        tree = app.screen.query_one(Tree)
        tree.focus()
        await pilot.press("end")
        assert tree.cursor_line == tree.last_line
        await pilot.press("home", "space", "tab")  # a system picked: its strategies
        await until(pilot, lambda: isinstance(app.screen.focused, RadioSet))
        names = [b.name for b in app.screen.focused.query("RadioButton")]
        await pilot.press("end")
        assert _highlighted(app) == names[-1]
        await pilot.press("pageup")
        assert _highlighted(app) == names[0]


async def test_esc_walks_back_from_the_incident_screens_to_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("execution")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f3")  # and back into the open incident, over home
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        assert isinstance(app.screen_stack[-2], HomeScreen)


async def test_every_hint_names_the_key_its_binding_has(tmp_path: Path, monkeypatch) -> None:
    """A keymap moves a key: the hints follow, and the key they name works."""
    monkeypatch.chdir(tmp_path)
    data = demo_settings().dumped()
    data["console"]["keymap"] = {"execution.retry": "ctrl+y", "checklist.preview": "ctrl+o"}
    settings = type(demo_settings()).validated(data)
    engine, conductor = populated(settings, Path("incidents"))
    conductor.recorder.record(
        Kind.STEP_COMPLETED, step="restore", status="failed", summary="1 failed",
        title="Restore previous version", phase="execution",
    )  # fmt: skip
    app = build_app(settings, Path("incidents"), engine)
    async with app.run_test(size=(120, 36)) as pilot:
        app.attach(conductor)
        await app.push_screen("execution")
        await pilot.pause(0.2)
        counts = str(app.screen.query_one("#exec-counts").render())
        assert "^y retries failed hosts" in counts and " t " not in counts
        assert "a aborts" not in counts  # nothing runs
        await app.push_screen("checklist")
        app.screen.select_step("restore")
        await pilot.pause(0.1)
        assert "^o shows every command" in str(app.screen.query_one("#step-detail").render())
        await pilot.press("ctrl+o")
        assert type(app.screen).__name__ == "CommandPreview"


async def test_labels_show_keys_in_the_case_that_works(tmp_path: Path, monkeypatch) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(120, 36)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("execution")
        await pilot.pause(0.1)
        shown = await footer_keys(pilot)
        assert "a Abort…" in shown and "t Retry failed" in shown
        assert not any(k[:1].isupper() and k[1:2] == " " for k in shown)  # no "T Retry"
        await pilot.press("T")  # shift+t is not bound: the label does not say it is
        assert isinstance(app.screen, ExecutionScreen)


async def test_a_resumed_step_that_nothing_runs_never_reads_running(tmp_path: Path) -> None:
    root = tmp_path / "incidents"
    journal, _star, _notes = half_done(root)
    engine = build_engine(demo_settings(), root)
    app = resumed_app(engine, journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.1)
        title = str(app.screen.query_one("#exec-title").render())
        counts = str(app.screen.query_one("#exec-counts").render())
        assert "running" not in title and "unknown" in title
        assert "aborts" not in counts


async def test_the_halt_banner_and_the_waves_count_from_the_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry of web-2 alone halts: the banner counts the step's hosts (1 of 3 failed),
    not the attempt's (1 of 1), and the wave shows its host as the fold has it."""
    app = populated_app(tmp_path, monkeypatch)
    record = app.prepared.recorder.record
    where = {"step": "restore"}
    record(Kind.WAVE_STARTED, wave=1, waves=1, hosts=["web-2"], **where)
    record(Kind.COMMAND_INTENT, system="web", host="web-2", command="x", stage="action",
           attempt=2, **where)  # fmt: skip
    record(Kind.COMMAND_RESULT, system="web", host="web-2", stage="action", exit_status=3,
           failure="non-zero exit", detail="exit status 3", **where)  # fmt: skip
    record(Kind.RUN_HALTED, reason="1 of 1 hosts failed, more than max_fail_percentage 34%",
           failed=1, total=1, max_fail_percentage=34, **where)  # fmt: skip
    record(Kind.WAVE_FINISHED, wave=1, waves=1, succeeded=1, failed=0, **where)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("execution")
        await pilot.pause(0.2)
        banner = str(app.screen.query_one("#exec-halt").render())
        assert "1 of 3 host(s) failed" in banner and "1 of 1" not in banner
        assert "limit of 34%" in banner and "t retries the failed ones" in banner
        waves = str(app.screen.query_one("#exec-waves").render())
        assert "0 ok, 1 failed" in waves  # the wave's host as the fold has it, not "1 ok"
    events = app.prepared.recorder.events
    started = next(e for e in reversed(events) if e.kind == Kind.WAVE_STARTED)
    assert describe(started) == "wave 1 of 1 started (1 host)"  # not "(1 hosts)"


async def test_a_skipped_step_keeps_what_ran_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    conductor = app.prepared
    conductor.recorder.record(
        Kind.STEP_COMPLETED, step="restore", status="failed", summary="1 succeeded, 1 failed",
        title="Restore previous version", phase="execution",
    )  # fmt: skip
    conductor.skip("restore", "web-2 is drained; rolled back by hand")
    document = render_markdown(conductor.recorder.events)
    assert (
        "**Restore previous version** — skipped: web-2 is drained; rolled back by hand;"
        " before the skip: 1 succeeded, 1 failed"
    ) in document
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        await app.push_screen("checklist")
        app.screen.select_step("restore")
        await pilot.pause(0.2)
        detail = str(app.screen.query_one("#step-detail").render())
        assert "Result: 1 succeeded, 1 failed" in detail
        assert "Skipped: web-2 is drained" in detail


def test_soak_rounds_show_the_unit() -> None:
    lines = soak_round_lines(
        SoakProgress(
            round=1,
            healthy=0,
            needed=3,
            status="waiting",
            probes={"web/p99-latency": {"value": 190.0, "state": "healthy", "unit": "ms"}},
        )
    )
    assert "web/p99-latency = 190 ms  healthy" in lines[1]
    # A check run again after a resume: its rounds say so, not "round 1" a second time.
    again = soak_round_lines(
        SoakProgress(attempt=2, round=1, healthy=1, needed=3, status="waiting")
    )
    assert again == ["try 2 · round 1: 1/3 healthy (waiting)"]


@pytest.mark.parametrize(
    ("screen", "essential"),
    [
        ("checklist", ["⏎ Do step", "u Undo…", "F7 Close incident…", "s Skip…", "n Note…"]),
        ("execution", ["a Abort…", "t Retry failed", "b Other strategy", "i Assessment"]),
        ("timeline", ["s Star", "a Annotate…"]),
        ("form", ["^s Save"]),
    ],
)
async def test_80x24_footers_show_the_essential_keys_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screen: str, essential: list[str]
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen(screen)
        await pilot.pause(0.2)
        shown = await footer_keys(pilot)
        for key in essential:
            assert key in shown, shown
        assert shown[-2:] == ["^q Quit", "F1 Help"]  # how to leave, and every other key


async def test_home_keeps_id_title_outcome_and_age_at_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    app.prepared.close(Outcome.PARTIAL, hosts=["web-2", "web-3"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        table = app.screen.query_one("#incidents", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["Incident", "Title", "Outcome", "Age"]
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "20260314-093000-demo"
        assert row[1].startswith("Checkout errors")
        assert row[2] == "◐ partial"
        assert row[3] == "12 min"
        assert sum(c.get_render_width(table) for c in table.columns.values()) <= 78


@pytest.mark.parametrize("size", [(120, 36), (170, 40), (200, 50)])
async def test_home_keeps_every_column_of_the_incidents_at_wider_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Seen at 120x36 on a README fleet's jump host: the incidents table shared its row
    with the drill schedule, its titles cut for the whole screen's width before layout,
    and the outcome and the age were off its edge. The home's tables go side by side from
    160 columns, and the titles are cut again for the table's own width once laid out."""
    app = populated_app(tmp_path, monkeypatch)
    app.prepared.close(Outcome.PARTIAL, hosts=["web-2", "web-3"])
    long = app.engine.new_incident("checkout errors " * 8, incident_id="20260314-093100-demo")
    long.recorder.close()
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        table = app.screen.query_one("#incidents", DataTable)
        box = app.screen.query_one("#incidents-box")
        assert [str(c.label) for c in table.columns.values()] == [
            "Incident", "Title", "Outcome", "Age"
        ]  # fmt: skip
        shown = sum(c.get_render_width(table) for c in table.columns.values())
        assert shown <= box.content_size.width, (shown, box.content_size)
        assert table.region.right <= app.screen.region.right
        rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)] for i in range(2)
        }
        assert rows["20260314-093000-demo"][2:] == ["◐ partial", "12 min"]
        assert rows["20260314-093100-demo"][1].endswith(" …")  # cut at a word, to its column


async def test_home_keeps_the_age_whole_when_the_incidents_scroll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More incidents than the table shows: its scrollbar takes two columns, and the age
    kept them free (seen at 80x24 on a real jump host: "12 min" read "12 m")."""
    app = populated_app(tmp_path, monkeypatch)
    for n in range(12):
        title = "x " * 40  # cut at a word, as wide as a title may be
        extra = app.engine.new_incident(title, incident_id=f"20260314-0931{n:02d}-demo")
        extra.close(Outcome.HANDED_OVER, to="bob")  # "→ handed over": a wide outcome
        extra.recorder.close()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        table = app.screen.query_one("#incidents", DataTable)
        assert table.row_count == 13 and table.scrollbar_size_vertical > 0
        shown = sum(c.get_render_width(table) for c in table.columns.values())
        assert shown <= table.scrollable_content_region.width


def test_age_reads_in_minutes_hours_and_days() -> None:
    from console.model.clock import FixedClock
    from console.ui.widgets.incident_rows import age
    from tests.test_ui_support import START

    now = FixedClock(START).now()
    assert age(now - timedelta(seconds=20), now) == "<1 min"
    assert age(now - timedelta(minutes=90), now) == "90 min"
    assert age(now - timedelta(hours=5), now) == "5 h"
    assert age(now - timedelta(days=3), now) == "3 d"


async def test_a_firing_says_its_level_in_the_probe_tables_terms(tmp_path: Path) -> None:
    """The alert and the probe table agree: the table's threshold is the probe's (> 0.05),
    the alert says the trigger's own level (> 0.1) and names the probe's beside it."""
    from console.demo.fleet import DemoFleet
    from tests.test_ui_live_support import only_triggers

    settings = only_triggers(demo_settings(), api_errors={"policy": "propose"})
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: app.live.proposal is not None)
            await pilot.pause(0.3)
            alert = str(app.screen.query_one("#alert").render())
            assert (
                "api/error-rate = 0.22 > 0.1 (the trigger's level; the probe is bad > 0.05)"
                in alert
            )
            table = app.screen.query_one("#probes", DataTable)
            assert str(table.get_cell("api/error-rate", "Threshold")) == "> 0.05"


async def test_home_says_what_would_fill_an_empty_probe_table_and_drill_schedule(
    tmp_path: Path,
) -> None:
    """A configuration written from the quickstart: no probes, no drills. The home screen
    says so, and where they are configured, instead of a title over nothing."""
    from textual.widgets import Label

    from console.model.settings import Settings
    from console.ui.widgets.drill_schedule import DrillSchedule

    data = demo_settings().dumped()
    data["triggers"]["triggers"] = []
    data["drills"] = {}
    for system in data["inventory"]["systems"]:
        system["probes"] = []
    app = build_app(Settings.validated(data), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.pause(0.1)
        home = app.screen
        no_probes = home.query_one("#no-probes", Label)
        no_drills = home.query_one("#no-drills", Label)
        assert no_probes.display and no_drills.display
        assert not home.query_one(DrillSchedule).display
        assert str(no_probes.render()) == (
            "None configured: [[systems.probes]] in inventory.toml watch each system."
        )
        assert str(no_drills.render()) == (
            "No drills yet: [[schedule]] in drills.toml sets a cadence; d opens drills."
        )


async def test_what_enter_does_is_said_of_the_highlighted_step(tmp_path: Path) -> None:
    """The line under the current step said 'Enter confirms it is done' of step 1 while
    the highlight, where Enter acts, was on step 2; after a step done out of order, the
    highlight stayed on it and Enter answered 'already done' under 'Enter runs it'. A manual
    step ahead of the current one asks before it is confirmed (Enter confirmed step 4 at
    once, steps 1 to 3 pending: walked at 80x24 on real sshd), and the yes is noted."""
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        async with app.run_test(size=(80, 24)) as pilot:
            await open_incident(pilot)
            screen = app.screen
            assert isinstance(screen, ChecklistScreen)
            todo = screen.query_one("#where-todo")
            first, second = screen.incident.order[:2]
            assert app.conductor.current().id == first
            assert str(todo.render()) == "Enter confirms it is done."
            await pilot.press("down")
            await until(pilot, lambda: screen.highlighted_step().id == second)
            said = str(todo.render())
            assert said == (
                "Highlighted: step 2, not the current one. Enter asks before confirming it"
                " done out of order; c goes to step 1."
            ), said
            await pilot.press("enter")  # step 2 (manual), out of order: asked first
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = str(app.screen.query_one(".dialog-text").render())
            assert question.startswith(f"“{screen.incident.step(second).title}” is step 2 of")
            assert "step 1 is not done yet" in question, question
            assert not app.conductor.state.step(second).status.finished
            await pilot.press("y")
            await until(pilot, lambda: app.conductor.state.step(second).status.finished)
            confirmed = app.conductor.recorder.events.actions[-1]
            said = (
                f" out of order (ahead of 1 step not done: 1. {screen.incident.step(first).title})"
            )
            assert describe(confirmed).endswith(said), describe(confirmed)  # the record's words
            await until(pilot, lambda: ", done." in str(todo.render()))
            assert str(todo.render()) == "Highlighted: step 2, done. c goes to step 1.", str(
                todo.render()
            )
            await pilot.press("c")
            await until(pilot, lambda: screen.highlighted_step().id == first)
            assert str(todo.render()) == "Enter confirms it is done."
            screen.select_step("capture-evidence")  # read-only: it runs on the yes, no more
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = str(app.screen.query_one(".dialog-text").render())
            assert question.endswith("anyway, out of order? It runs at once (confirm = false).")
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
            # A probe step ahead asks too, before it reads anything (it ran at once: walked
            # at 80x24 on real sshd), naming the steps not done; Back leaves it not run.
            verify = next(s for s in screen.incident.order if s.startswith("verify"))
            while screen.highlighted_step().id != verify:
                await pilot.press("down")
            assert "Enter asks before checking the probes out of order" in str(todo.render())
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = str(app.screen.query_one(".dialog-text").render())
            assert "steps 1, 3, 4, 5, 6, 7 are not done yet (1. Open the" in question, question
            assert question.endswith("now anyway, out of order?"), question
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
            assert app.conductor.state.step(verify).status is StepStatus.PENDING
