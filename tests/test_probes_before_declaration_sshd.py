"""A probe bad before the incident was declared: the home screen showed `✘ bad`, yet its
journal had none of it (walked on a README fleet of 3 sshd hosts at 80x24). The watcher
journals a sample when its state changes, and the state had not changed since before the
journal existed: the document said "First bad sample: no bad probe sample was recorded"
and "Before: –". A journal attached anew gets what the watcher holds: the first sample of
the bad run it is in, and the latest, said in the timeline with the time each was sampled."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from console.journal.describe import describe
from console.journal.export.milestones import first_bad_sample
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.widgets.event_list import EventList
from tests.cli_fleet import write_fleet
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    START,
    _close_engines,
    _no_cursor_blink,
    build_engine,
    open_incident,
    until,
)
from tests.test_undo_cli import PROCEDURE
from tests.test_wave_probes_sshd import ERRORS, STRATEGIES

pytestmark = pytest.mark.sshd


def ms(at: datetime) -> str:
    """`09:29:58.213`: a held sample's time as the timeline says it."""
    return f"{at:%H:%M:%S.%f}"[:12]


async def test_a_probe_bad_before_the_declaration_is_in_the_incidents_record(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    probes = [{**ERRORS, "interval": 0.2}]  # three samples before the declaration
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin-release"], probes=probes)
    for sandbox in fleet.sandboxes.values():
        (sandbox / "version").write_text("2.5.0\n")  # the release being rolled back: bad
    settings = load_settings(fleet.config)
    engine = build_engine(settings, tmp_path / "incidents")
    # The watcher's clock, 1 ms a reading: the first held sample and the latest in one second.
    clock = FixedClock(START, tick=timedelta(milliseconds=1))
    app = make_app(settings, engine, clock, incident_id=INCIDENT_ID, sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/errors"]
        await until(pilot, lambda: len(reading.history) >= 3, 60)
        await open_incident(pilot)
        before = list(reading.history)
        journal = app.conductor.recorder.path
        held_now = [
            e for e in read_journal(journal).events if getattr(e.data, "journalled", "") == "held"
        ]
        app.action_go("timeline")
        await until(pilot, lambda: getattr(app.screen, "TAB", None) == "timeline")
        width = app.screen.query_one(EventList).scrollable_content_region.width
        rows = [app.screen.row_text(e, width).plain for e in held_now]
    events = read_journal(journal).events
    samples = [e for e in events if e.kind == Kind.PROBE_SAMPLE]
    held_events = [e for e in samples if e.data.journalled == "held"]
    held = [e.data for e in held_events]
    assert [(s.state, s.value) for s in held] == [("bad", 0.31), ("bad", 0.31)], held
    first = min(before, key=lambda s: s.at)
    assert held[0].at == first.as_data()["at"]
    assert first_bad_sample(events) == first.at
    # The timeline says when it was sampled, not only when it was journalled.
    said = describe(held_events[0])
    assert said.startswith(f"probe app/errors at {ms(first.at)} = "), said
    # At 80 columns each row says when it was sampled, which tells them apart: cut there
    # before ('probe app/errors = 0.31 (bad), as sampled at 09:…', both rows); then to the
    # second, '(sampled 09:30:00)' both, taken in the same second.
    for event, row in zip(held_now, rows, strict=True):
        assert f"at {ms(datetime.fromisoformat(event.data.at))} = 0.31 (bad)" in row, rows
    assert rows[0].split(" commander ")[1] != rows[1].split(" commander ")[1], rows
