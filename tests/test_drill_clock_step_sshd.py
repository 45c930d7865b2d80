"""A drill's recovery time is timed on the monotonic clock (real sshd): the wall clock
stepped while the drill runs (NTP, or by hand) changes the times on record, never the
recovery time; the report says the record's times read across the step."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.headless.drills import DrillOptions, drill_once
from console.journal.drill_text import report_lines
from console.journal.export.document import build_document
from console.journal.export.markdown import render_markdown
from console.journal.store import read_journal
from console.journal.times import duration
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.follow import make_follow_app
from console.ui.widgets.incident_bar import IncidentBar
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd

STEP = timedelta(hours=1)


class SteppedClock:
    """The system's clocks, its wall clock stepped by `step` from the moment it is told."""

    def __init__(self) -> None:
        self.step = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.step

    def monotonic(self) -> float:
        return time.monotonic()


@pytest.fixture
def fleet(sshd_server, tmp_path):
    return staging_fleet(sshd_server, tmp_path)


def drilled_with_the_clock_stepped(
    fleet, monkeypatch, step: timedelta, at: tuple[str, str | None] = (Kind.DRILL_FAULT, None)
) -> dict:
    """The staging drill, its wall clock stepped by `step` once its fault is in place (or
    once the event `at`, of that kind and step, is written)."""
    clock = SteppedClock()
    build = Engine.build

    def stepping(*args, **kwargs) -> Engine:
        engine = build(*args, **kwargs)
        engine.clock = clock
        incident = engine.incident

        def watched(*a, **k):
            conductor = incident(*a, **k)

            def see(event) -> None:
                if (event.kind, at[1] and event.where.step) == at:
                    clock.step = step  # NTP steps the clock while the fault is in place

            conductor.recorder.subscribe(see)
            return conductor

        engine.incident = watched  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr(Engine, "build", stepping)
    settings = load_settings(fleet.config)
    options = DrillOptions(quiet=True, journal=str(fleet.state / "drill"))
    return asyncio.run(drill_once(settings, settings.drills.scenario("bad-release"), options))


def test_a_wall_clock_stepped_forward_mid_drill_does_not_count_in_its_recovery(fleet, monkeypatch):
    """Seen: the wall clock stepped forward an hour (NTP) while the fault was in place,
    and the drill read 'recovery app: 1 h 00 min 04 s from the injected fault, target
    10 min: target exceeded ✘', FAILED, though the hosts were down a few seconds."""
    verdict = drilled_with_the_clock_stepped(fleet, monkeypatch, STEP)
    recovery = verdict["recovery"]["app"]
    assert recovery["seconds"] < 600, recovery
    assert recovery["ok"] and verdict["passed"], verdict["findings"]
    assert recovery["wall_step"] == pytest.approx(3600, abs=1)
    events = read_journal(Path(verdict["journal"])).events
    [measured] = [e for e in events if e.kind == Kind.RECOVERY_MEASURED]
    across = datetime.fromisoformat(measured.data.verified)
    across -= datetime.fromisoformat(measured.data.started)
    # the record keeps the wall times as they read: their difference holds the step
    assert across.total_seconds() == pytest.approx(measured.data.seconds + 3600, abs=1)
    lines = report_lines(verdict)
    said = "app: timed on the monotonic clock: the wall clock was stepped forward by 1 h 00 min"
    assert any(said in line for line in lines), lines
    assert any("DRILL bad-release: PASSED" in line for line in lines), lines


def test_a_wall_clock_stepped_back_mid_drill_does_not_shorten_its_recovery(fleet, monkeypatch):
    """Stepped back an hour, the wall clock read the recovery as no time at all (0 s,
    clamped), a pass whatever the outage."""
    verdict = drilled_with_the_clock_stepped(fleet, monkeypatch, -STEP)
    recovery = verdict["recovery"]["app"]
    assert recovery["seconds"] > 0, recovery
    assert recovery["wall_step"] == pytest.approx(-3600, abs=1)
    said = "the wall clock was stepped back by 1 h 00 min"
    assert any(said in line for line in report_lines(verdict)), report_lines(verdict)
    # The document's intervals are timed as the recovery is: its time to detect read 0 s,
    # the first bad sample's wall time an hour before the fault's.
    events = read_journal(Path(verdict["journal"])).events
    intervals = {i.name: i for i in build_document(events).milestones.intervals}
    detect = intervals["time_to_detect"]
    assert (detect.start, detect.clock) == ("fault_injected", "monotonic"), detect
    assert 0 < detect.seconds <= recovery["seconds"], detect
    assert detect.wall_step == pytest.approx(-3600, abs=1), detect
    assert "the wall clock was stepped back by 1 h 00 min" in detect.note, detect
    text = render_markdown(events)
    assert f"| Time to detect | {duration(detect.seconds)} |" in text, text


def test_a_wall_clock_stepped_mid_rollback_is_not_in_its_time_to_mitigate(fleet, monkeypatch):
    """Stepped forward an hour as the rollback started (after its probe read bad), the
    document read 'Time to mitigate | 1 h 00 min 00 s' and 'Time to recover | 1 h 00 min
    01 s' beside a recovery time of 1 s: wall times across the step. Both are timed as
    the recovery is, and say the step."""
    restore = (Kind.STEP_STARTED, "restore")
    verdict = drilled_with_the_clock_stepped(fleet, monkeypatch, STEP, restore)
    events = read_journal(Path(verdict["journal"])).events
    document = build_document(events)
    assert document.summary.duration_seconds < 600, document.summary  # opened to closed
    intervals = {i.name: i for i in document.milestones.intervals}
    for name in ("time_to_mitigate", "time_to_recover"):
        took = intervals[name]
        assert took.clock == "monotonic" and 0 < took.seconds < 600, took
        assert took.wall_step == pytest.approx(3600, abs=1), took
    assert intervals["time_to_recover"].seconds <= verdict["recovery"]["app"]["seconds"]
    text = render_markdown(events)
    said = "- Time to mitigate: timed on the monotonic clock: the wall clock was stepped forward"
    assert said in text, text
    # The console's header says how long it was open as the document does: it read 1:00:01.
    bar = asyncio.run(header(Path(verdict["journal"])))
    assert " │ 0:00:0" in bar and "1:00:0" not in bar, bar


async def header(journal: Path) -> str:
    """The incident bar's first line, as a follower sees the journal at 80x24."""
    app = make_follow_app(journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        return str(app.screen.query_one(IncidentBar).render()).splitlines()[0]


def test_a_wall_clock_stepped_back_mid_rollback_keeps_the_journals_order(fleet, monkeypatch):
    """Stepped back an hour as the restore sent its first command, its stability check,
    run after it, read as run before it ('“Verify system stability” passed before
    “Restore previous version” ran'): the drill's close as 'rolled back and verified' was
    refused (a traceback out of drill_once); the document's Before → after read
    'app/health (probe) | bad | not read again', and its timeline '2 hosts sent → 2
    succeeded in -3600.0 s'. Order is the journal's (seq), durations the monotonic clock's."""
    restore = (Kind.COMMAND_INTENT, "restore")
    verdict = drilled_with_the_clock_stepped(fleet, monkeypatch, -STEP, restore)
    assert verdict["passed"] and verdict["outcome"] == "verified", verdict["findings"]
    events = read_journal(Path(verdict["journal"])).events
    [app] = build_document(events).systems
    [health] = [c for c in app.changes if c.key == "app/health"]
    assert (health.before, health.after) == ("bad", "ok"), health
    lines = render_markdown(events).splitlines()
    [sent] = [ln for ln in lines if "2 hosts sent" in ln and ln.endswith("| restore |")]
    assert re.search(r"→ 2 succeeded in 0\.\d\d s \|", sent), sent


def test_a_wall_clock_stepped_back_as_the_rollback_starts_keeps_its_first_bad_sample(
    fleet, monkeypatch
):
    """Stepped back an hour as the restore started, every bad sample before it read as
    taken after it: the document said 'First bad sample (impact detected)': 'no bad probe
    sample before the rollback started', and timed the detection from the declaration."""
    confirmed = (Kind.STEP_CONFIRMED, "confirm")  # the restore starts on the next event
    verdict = drilled_with_the_clock_stepped(fleet, monkeypatch, -STEP, confirmed)
    events = read_journal(Path(verdict["journal"])).events
    first = next(e.data for e in events if e.kind == Kind.PROBE_SAMPLE and e.data.state == "bad")
    milestones = build_document(events).milestones
    detected = next(m for m in milestones.milestones if m.name == "impact_detected")
    assert detected.at == datetime.fromisoformat(first.at), detected
    detect = next(i for i in milestones.intervals if i.name == "time_to_detect")
    assert detect.end == "impact_detected" and detect.wall_step is None, detect
