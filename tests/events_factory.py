"""Build journals of events by hand, with a fixed clock, for tests."""

from datetime import UTC, datetime

from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.events import Actor

START = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
COMMANDER = Actor(user="commander", client="10.0.0.7")


def recorder_in(directory) -> Recorder:
    """A recorder writing `directory/journal.jsonl` on a fixed clock."""
    return Recorder(JournalWriter(directory / JOURNAL_NAME), FixedClock(START), COMMANDER)
