"""Incidents opened in the same second list newest first. CI saw two headless runs
started within one second listed in their directories' random order (the suffix after
the second is four random hex digits), so the home screen named the older one first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from console.engine.listing import list_incidents
from console.journal.files import JOURNAL_NAME
from console.journal.lock import SystemLocks
from console.journal.recorder import Recorder
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.events import Kind
from tests.events_factory import COMMANDER, START


def _opened(root: Path, incident_id: str, title: str, late: timedelta) -> None:
    clock = FixedClock(START + late, tick=timedelta(milliseconds=1))
    journal = JournalWriter(root / incident_id / JOURNAL_NAME)
    Recorder(journal, clock, COMMANDER).record(
        Kind.INCIDENT_OPENED, incident_id=incident_id, title=title
    )


def test_two_incidents_of_one_second_list_the_later_first(tmp_path: Path) -> None:
    journals = tmp_path / "incidents"
    _opened(journals, "20261128-093000-ffff", "the first", timedelta(milliseconds=100))
    _opened(journals, "20261128-093000-0000", "the second", timedelta(milliseconds=700))
    _opened(journals, "20261128-092959-aaaa", "a second before", timedelta(0))
    listed = list_incidents(journals, SystemLocks(tmp_path / "locks"))
    assert [i.title for i in listed] == ["the second", "the first", "a second before"]
