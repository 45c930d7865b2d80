"""A journal whose last line was cut short (its console killed mid-write, or its disk full:
seen on a real sshd fleet, a tmpfs journal filled mid-undo) is resumed with that line set
aside, and the record says so: the resumption named neither the cut nor the file it went
to, so the timeline and the document read as if the console before had stopped cleanly."""

from __future__ import annotations

from pathlib import Path

from console.engine.session import Engine
from console.journal.describe import describe
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_ui_resume import half_done
from tests.test_ui_support import demo_settings

CUT = b'{"v":2,"seq":99,"ts":"2026-12-04T02:33:52.521502Z","mono":26987.8,"who":{"user":"ro'


async def test_a_torn_last_line_is_set_aside_and_said_on_resume(tmp_path: Path) -> None:
    root = tmp_path / "incidents"
    journal, _, _ = half_done(root)
    with journal.open("ab") as handle:  # as a write the disk had no room for leaves it
        handle.write(CUT)
    engine = Engine(demo_settings(), root)
    conductor = engine.resume(journal)
    try:
        [resumed] = [e for e in conductor.recorder.events if e.kind == Kind.INCIDENT_RESUMED]
        aside = journal.with_name(resumed.data.torn)
        assert aside.name.startswith("journal.jsonl.torn-") and aside.read_bytes() == CUT
        said = describe(resumed)
        assert said == (
            "resumed the incident; 1 host(s) unknown; the journal's last line was cut short"
            " (the console before stopped while writing it: killed, or its disk full), set"
            f" aside in {aside.name}"
        )
    finally:
        await engine.close()
        conductor.recorder.close()
    events = read_journal(journal).events
    document = EXPORT_FORMATS["markdown"].render(events, False)
    assert f"set aside in {aside.name}" in document.split("## Timeline", 1)[1]
