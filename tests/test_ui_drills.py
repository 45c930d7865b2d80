"""Drills in the console: the schedule on the home screen (overdue in the alert colour),
the drills screen, the report; and a drill run from the home screen on the demo fleet,
watched live, labelled DRILL, with the keys that would act on it off while it runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from console.demo.fleet import DemoFleet
from console.engine.drill import title_of
from console.journal.recorder import Recorder
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.drills import DrillReport, DrillsScreen
from console.ui.screens.home import HomeScreen
from console.ui.screens.home_hint import hint_text
from console.ui.widgets.drill_schedule import DrillSchedule
from tests.test_ui_live_support import only_triggers
from tests.test_ui_support import (  # noqa: F401
    ACTOR,
    START,
    _close_engines,
    _no_cursor_blink,
    build_app,
    demo_settings,
    until,
    until_shown,
)

SIZES = {"80x24": (80, 24), "120x36": (120, 36)}
VERDICT = {
    "scenario": "db-corrupt-data",
    "systems": ["db"],
    "passed": False,
    "expected": "verified",
    "outcome": "verified",
    "trigger": {
        "expected": "data-corruption",
        "actual": "data-corruption",
        "detected": True,
        "ok": True,
    },
    "recovery": {
        "db": {
            "seconds": 2412.0,
            "from": "fault",
            "target_minutes": 30,
            "verdict": "target exceeded",
            "ok": False,
        }
    },
    "integrity": {
        "after": "strategy",
        "records": 8,
        "mismatches": 0,
        "hosts": {
            "db-1": {
                "baseline": {"checksum": "387afb641ae2", "rows": {"orders": 15}},
                "after": {"checksum": "a1572ed5ce09", "rows": {"orders": 18}, "verdict": "match"},
            }
        },
        "ok": True,
    },
    "faults": [{"name": "corrupt-data:db-1", "hosts": ["db-1"], "undone": {"ok": True}}],
    "findings": ["recovery of db: target exceeded"],
}


def past_drill(
    root: Path, name: str, scenario: str, days_ago: float, passed: bool, systems=("web",)
) -> None:
    """A drill's journal as `drill` leaves it, on the fixed clock of the UI tests."""
    recorder = Recorder.open(root / name, FixedClock(START - timedelta(days=days_ago)), ACTOR)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=name, title=scenario, drill=True)
    recorder.record(
        Kind.DRILL_JUDGED,
        scenario=scenario,
        systems=list(systems),
        passed=passed,
        expected="verified",
        outcome="verified",
        recovery={"web": {"seconds": 48.0, "target_minutes": 15, "verdict": "within target"}},
    )
    recorder.record(Kind.INCIDENT_CLOSED, outcome="rolled back and verified")
    recorder.close()


class HeldFaults:
    """The demo fleet's fault injection, a drill's fault put on only once `go` is set: the
    drill waits at its stage, however long a loaded machine takes to look at it running."""

    def __init__(self, fleet: DemoFleet):
        self.fleet, self.go = fleet, asyncio.Event()

    async def inject(self, spec: str) -> None:
        await self.go.wait()
        await self.fleet.inject(spec)

    async def clear(self, spec: str) -> None:
        await self.fleet.clear(spec)


@pytest.fixture
def app(tmp_path: Path):
    root = tmp_path / "incidents"
    past_drill(root, "d-1", "web-release", days_ago=3, passed=True)
    past_drill(root, "d-2", "dr-exercise", days_ago=350, passed=True, systems=("web", "db"))
    return build_app(demo_settings(), root)


async def _drills(pilot) -> None:
    await pilot.press("d")
    await until(pilot, lambda: isinstance(pilot.app.screen, DrillsScreen))
    await pilot.press("down", "down")
    await pilot.pause(0.1)


async def _report(pilot) -> None:
    await pilot.app.push_screen(DrillReport(VERDICT))
    await pilot.pause(0.1)


async def _home(pilot) -> None:
    await pilot.pause(0.1)


SCREENS = {"home-drills": _home, "drills": _drills, "drill-report": _report}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_drill_screens(snap_compare, app, screen: str, size: str) -> None:
    assert snap_compare(app, terminal_size=SIZES[size], run_before=SCREENS[screen])


async def test_the_home_schedule_reads_the_journals(app):
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DrillSchedule)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        # the worst first: at 80x24 the box shows only a few rows
        states = [r[2] for r in rows]
        assert states == sorted(states, key=["▲ OVERDUE", "◆ DUE", "✔ ok"].index), states
        assert rows[0] == ["api", "every 30d", "▲ OVERDUE", "now", "never", "–"]
        assert ["web", "monthly", "✔ ok", "2026-04-11", "2026-03-11 ✔", "48 s"] in rows
        assert ["web", "pre-deploy 24h", "◆ DUE"] in [r[:3] for r in rows]
        dr = [r for r in rows if r[1] == "annual-dr"]
        assert [r[2] for r in dr] == ["◆ DUE", "◆ DUE"]  # a year is near: within 30 days
        hint = str(app.screen.query_one("#home-hint").render())
        assert hint.endswith("▲ 2 drill(s) OVERDUE · d")  # api every 30d, db monthly
        table.overdue = 0  # then web pre-deploy and annual-dr's two (DUE was never said)
        assert hint_text(app, table).plain.endswith("◆ 3 drill(s) DUE · d")


async def test_the_schedules_columns_fit_their_cells_as_soon_as_it_is_refreshed(app):
    """A frame painted before the table's idle measurement must not cut the cells to the
    header's widths ("▲ OVE"): the widths are given with the columns."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DrillSchedule)
        table.refresh_schedule()  # no await: nothing idle has measured the new rows
        for index, column in enumerate(table.ordered_columns):
            cells = [table.get_row_at(i)[index] for i in range(table.row_count)]
            assert column.width == max(c.cell_len for c in [column.label, *cells])
            assert not column.auto_width


async def test_a_drill_runs_from_the_home_screen_and_ends_with_its_report(tmp_path, monkeypatch):
    """The drill waits at its stage, its fault not yet put on, until the checks made while
    it runs are done: they never race its end. Timed against web-1 answering 1.5 s late,
    five runs at once at load 35 all failed there, the report up before the checklist
    was read. Its fault then makes web-1 answer 0.5 s late (test_drills_demo's), not 3 s."""
    from console.demo import fleet as demo_fleet

    monkeypatch.setattr(demo_fleet, "SLOW_SECONDS", 0.5)
    async with DemoFleet(demo_settings()) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents")
        app.drills.demo_faults = held = HeldFaults(fleet)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
            table = app.screen.query_one("#scenarios", DataTable)
            row = list(app.settings.drills.names).index("web-slow")
            table.move_cursor(row=row)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await until(pilot, lambda: app.drills.running == "web-slow")
            assert app.conductor.state.drill
            # named as `drill` names it, the description whole (not cut at TITLE_WIDTH)
            assert app.conductor.state.title == title_of(app.settings.drills.scenario("web-slow"))
            assert app.screen is app.get_screen("execution")
            for action in ("retry", "adhoc", "accept_key", "other_strategy"):
                assert not app.allows(action), action
            assert app.allows("abort") and app.allows("go")
            # the console's own watcher keeps out of the drill's record (the document is
            # the one `drill` writes headless), and a firing the faults cause starts no
            # real incident on its own: it waits for the person at the console
            assert app.live.watcher.recorder is None
            assert app.live.attended() == "drill web-slow is running"
            await pilot.press("f2")  # the checklist says who does the steps, not "Enter runs"
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            said = "The drill does the steps; notes and the abort stay yours."
            await until_shown(pilot, "#where-todo", said)  # drawn at its sync
            assert str(app.screen.query_one("#where-todo").render()) == said
            await pilot.press("f3")
            await until(pilot, lambda: app.screen is app.get_screen("execution"))
            assert app.drills.running == "web-slow" and fleet.faults == []  # held at its stage
            held.go.set()
            await until(pilot, lambda: isinstance(app.screen, DrillReport), timeout=120)
            assert app.drills.running is None
            # the drill incident is closed: it takes amendments only, never a retry
            for action in ("retry", "retry_unknown", "adhoc", "abort", "skip"):
                assert not app.allows(action), action
            assert app.allows("note") and app.allows("go")
            verdict = app.screen.verdict
            assert verdict["scenario"] == "web-slow" and verdict["passed"], verdict["findings"]
            state = app.conductor.state
            assert state.closed_at is not None and state.outcome_label == "rolled back and verified"
            assert [f["name"] for f in state.faults] == ["slow:web-1"]
            assert fleet.faults == []  # the fault was cleared from the running fleet
            hint = str(app.screen.query_one(".dialog-hint").render())
            assert hint.startswith("⏎: back to the home screen · esc: stay"), hint
            await pilot.press("escape")  # stay: the closed drill, its retry key not offered
            await until(pilot, lambda: app.screen is app.get_screen("execution"))
            await pilot.pause(0.1)
            footer = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
            assert "retry" not in footer and "abort" not in footer and "note" in footer
            app.push_screen(DrillReport(verdict))
            await until(pilot, lambda: isinstance(app.screen, DrillReport))
            await pilot.press("enter")  # home
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
            assert "web-slow" in str(app.screen.query_one("#incidents", DataTable).get_row_at(0))


async def test_a_firing_the_drills_faults_cause_is_never_proposed(tmp_path):
    """The home screen's probes see a drill's fault and its trigger fires there: it is the
    drill's, never proposed as a real incident's trigger, during the drill or after it
    (seen at 80x24 after a drill on a real fleet: "TRIGGER FIRED ... p opens an incident
    pre-filled with this trigger"; tests/test_drill_words_sshd walks it on real sshd)."""
    settings = only_triggers(demo_settings(), api_auth={})
    async with DemoFleet(settings) as fleet:
        app = build_app(fleet.settings, tmp_path / "incidents", sample_probes=True)
        app.drills.demo_faults = fleet
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
            table = app.screen.query_one("#scenarios", DataTable)
            table.move_cursor(row=list(app.settings.drills.names).index("api-breach"))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            fired = app.live.watcher.firings
            await until(pilot, lambda: any(f.trigger.system == "api" for f in fired.values()), 120)
            assert app.live.proposal is None
            await until(pilot, lambda: isinstance(app.screen, DrillReport), timeout=120)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.pause(0.2)
            assert app.live.proposal is None
            assert "TRIGGER FIRED" not in str(app.screen.query_one("#alert").render())


async def test_a_drill_in_the_incident_list_is_labelled_drill_once(tmp_path):
    """A scenario's incident is titled "Drill NAME: ..." (as `drill` names it): the list
    labels it DRILL in its place, not "DRILL Drill NAME" (seen at 80x24)."""
    root = tmp_path / "incidents"
    past_drill(root, "d-1", "Drill web-release: the release rolls back", 3, passed=True)
    app = build_app(demo_settings(), root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#incidents", DataTable)
        assert str(table.get_row_at(0)[1]).startswith("DRILL web-release: the")


async def test_a_failed_drill_in_the_incident_list_is_never_a_tick(tmp_path):
    """Seen at 80x24 after drills on a real sshd fleet: a drill judged FAILED (its recovery
    target missed, its data damaged) was listed "✔ rolled back", the same as one that
    passed; only the schedule below said ✘. A drill's row says its verdict."""
    root = tmp_path / "incidents"
    past_drill(root, "d-1", "Drill app-slow: the restart is slow", 2, passed=False)
    past_drill(root, "d-2", "Drill app-release: the release rolls back", 1, passed=True)
    app = build_app(demo_settings(), root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#incidents", DataTable)
        rows = {str(table.get_row_at(i)[1]).split(":")[0]: table.get_row_at(i) for i in (0, 1)}
        assert str(rows["DRILL app-slow"][2]) == "✘ drill failed", rows
        assert "drill failed" not in str(rows["DRILL app-release"][2]), rows


async def test_the_incident_list_keeps_its_age_column_whole_at_80x24(tmp_path):
    """Seen at 80x24 in tmux after a dozen drills on a real sshd fleet: the list's age read
    "12 mi", "21 mi" under the scrollbar. The columns were cut for the width guessed as the
    screen mounted (the table not laid out yet), two columns wider than the table got;
    and "119 min" is seven characters, not six."""
    root = tmp_path / "incidents"
    for n in range(12):
        minutes = 10 + 9 * n  # up to 109 min: three digits
        name = f"20261203-2256{n:02d}-dcc2"
        title = "Drill bad-fault: the fault cannot be set on app-2"
        past_drill(root, name, title, minutes / 1440, passed=False)
    app = build_app(demo_settings(), root)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        table = app.screen.query_one("#incidents", DataTable)
        used = sum(c.get_render_width(table) for c in table.columns.values())
        assert used <= table.scrollable_content_region.width, (
            used,
            table.scrollable_content_region,
        )
        assert any(str(table.get_row_at(i)[3]).endswith(" min") for i in range(12))
        # Scrolled to the list's end, the schedule below the fold before: its OVERDUE still
        # in view (it went with the first line of the scrolled body).
        table.focus()
        await pilot.press("end")
        body = app.screen.query_one("#home-body")
        await until(pilot, lambda: body.scroll_y > 0)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        assert any(" drill(s) OVERDUE" in line for line in lines), lines


@pytest.mark.parametrize("key", ["pagedown", "pageup", "down", "end", "enter"])
async def test_the_drills_screen_without_scenarios_takes_any_key(tmp_path, key):
    """The example configuration (no drills.toml): d, then PageDown on the empty list
    ended the console with a traceback (a row highlighted with no row: found by random
    keys at 80x24)."""
    settings = load_settings(Path(__file__).parent.parent / "config" / "example")
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DrillsScreen))
        await pilot.press(key, key)
        await pilot.pause()
        assert isinstance(app.screen, DrillsScreen) and app.return_code is None
