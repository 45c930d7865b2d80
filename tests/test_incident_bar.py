"""The incident bar at 80 columns: walked on 200 sshd hosts in two systems, it read
` 20261205-013322-86f4 │ 0:02:08 │ commander root │ Stakeholder decision …`: the phase cut
off the end, the systems and their hosts never said. What matters first is kept whole
now, the rest left out whole (never cut mid-word), and all of it on a wide terminal."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from console.journal.export.document import build_document
from console.journal.store import read_journal
from console.journal.times import duration
from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.triggers import TriggerKind
from console.paths import demo_config
from console.ui.app import make_app
from console.ui.widgets.incident_bar import IncidentBar, systems_text
from tests.test_drill_clock_step_sshd import SteppedClock
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    START,
    _close_engines,
    _no_cursor_blink,
    build_app,
    build_engine,
    until,
    web_and_api_app,
)


async def _bar(tmp_path: Path, size: tuple[int, int]) -> str:
    app, conductor = web_and_api_app(tmp_path, TriggerKind.STAKEHOLDER)
    async with app.run_test(size=size) as pilot:
        app.attach(conductor)
        await app.push_screen("checklist")
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        await pilot.pause(0.1)
        return str(app.screen.query_one(IncidentBar).render()).splitlines()[0]


async def test_at_80_columns_the_clock_the_systems_and_the_phase_stay_whole(tmp_path):
    bar = await _bar(tmp_path, (80, 24))
    assert len(bar) <= 80 and "…" not in bar, bar
    facts = bar.split(" │ ")
    assert facts[1:3] == ["web, api · 5 hosts", "Immediate actions"], bar
    assert facts[0].strip().count(":") == 2  # the clock
    assert "commander commander" in facts  # who leads: it fits


async def test_a_wide_terminal_has_every_fact(tmp_path):
    bar = await _bar(tmp_path, (160, 24))
    facts = [fact.strip() for fact in bar.split(" │ ")]
    assert facts[0] == INCIDENT_ID and "Stakeholder decision" in facts, bar
    assert facts[2:] == [
        "web, api · 5 hosts",
        "Immediate actions",
        "commander commander",
        "Stakeholder decision",
    ], bar


async def test_a_closed_drill_says_how_it_ended_at_80_columns(tmp_path):
    """Walked at 80x24: a drill closed as failed (`DRILL FAILED; failed: halted by the
    failure threshold: ...`), its outcome too long for the line, showed ` DRILL` and
    nothing else. The outcome stays, cut at the end."""
    settings = load_settings(demo_config())
    engine = build_engine(settings, tmp_path / "incidents")
    conductor = engine.new_incident("Drill", drill=True, incident_id=INCIDENT_ID)
    conductor.declare_trigger(TriggerKind.STAKEHOLDER, "monthly drill")
    conductor.close(Outcome.ABORTED, "the canary host's restart hung; " * 4)
    app = build_app(settings, tmp_path / "incidents", engine)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        await app.push_screen("checklist")
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        bar = str(app.screen.query_one(IncidentBar).render()).splitlines()[0]
    assert bar.startswith("  DRILL  │ ■ closed: aborted: the canary host's restart"), bar
    assert len(bar) <= 80 and bar.endswith("…"), bar


def test_many_systems_are_counted_past_three():
    assert systems_text(["web", "api", "db", "queue", "cache"], 900) == (
        "web, api, db +2 · 900 hosts"
    )
    assert systems_text(["db"], 1) == "db · 1 host"


async def test_a_closed_incident_reads_as_long_on_screen_as_in_its_document(tmp_path):
    """The header cut the seconds the document rounds: open 4.99 s, it read 0:00:04 where
    the document's Duration said 5 s. Both round now."""
    settings = load_settings(demo_config())
    engine = build_engine(settings, tmp_path / "incidents")
    engine.clock = FixedClock(START, tick=timedelta(milliseconds=999))  # n * 0.999 s
    conductor = engine.new_incident("Checkout errors", incident_id=INCIDENT_ID)
    conductor.declare_trigger(TriggerKind.STAKEHOLDER, "checkout fails")
    conductor.close(Outcome.NOT_NEEDED, "a false alarm")
    took = conductor.state.time_open()
    assert took is not None and took % 1 >= 0.5, took  # where cutting and rounding differ
    said = duration(
        build_document(read_journal(conductor.recorder.path).events).summary.duration_seconds or 0
    )
    app = build_app(settings, tmp_path / "incidents", engine)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        await app.push_screen("checklist")
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        bar = str(app.screen.query_one(IncidentBar).render()).splitlines()[0]
    [clock] = [f for f in bar.strip().split(" │ ") if re.fullmatch(r"\d+:\d\d:\d\d", f)]
    h, m, s = (int(part) for part in clock.split(":"))
    assert duration(h * 3600 + m * 60 + s) == said, (bar, said)


async def test_an_open_incidents_clock_does_not_jump_with_the_wall_clock(tmp_path):
    """NTP stepped the wall clock forward an hour a minute into an incident: the header
    read 1:00:00 and on; the document, once closed, its minute. The header counts on the
    monotonic clock from when it first showed the incident."""
    clock = SteppedClock()
    settings = load_settings(demo_config())
    engine = build_engine(settings, tmp_path / "incidents")
    engine.clock = clock
    conductor = engine.new_incident("Checkout errors", incident_id=INCIDENT_ID)
    conductor.declare_trigger(TriggerKind.STAKEHOLDER, "checkout fails")
    app = make_app(settings, engine, clock, sample_probes=False, check_reach=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        await app.push_screen("checklist")
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        bar = app.screen.query_one(IncidentBar)
        # under a minute, not under ten seconds: a loaded machine takes seconds to draw
        assert " 0:00:" in str(bar.render()), bar.render()
        clock.step = timedelta(hours=1)
        bar.refresh()
        await pilot.pause()
        said = str(bar.render()).splitlines()[0]
        await app.push_screen("timeline")  # a screen shown after the step: the same clock
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        said += str(app.screen.query_one(IncidentBar).render()).splitlines()[0]
    assert said.count(" 0:00:") == 2 and "1:00:" not in said, said
