"""The follow view's banner of an open incident reads no host output back from disk. It
looked for the close among every event, newest first, on each sync: each output event was
read back from output.jsonl and parsed, 1.0-1.1 s a banner following an open incident of
50,000 events (bench/journal.py's, 64 MB of output), on every batch the writer appended."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal import event_log
from console.model.events import Kind
from tests.test_ui_follow import WHERE, follow_app, run_on, writer


@pytest.mark.parametrize("closed", [False, True])
def test_the_banner_reads_no_output_back(tmp_path: Path, monkeypatch, closed: bool) -> None:
    r = writer(tmp_path, hosts=("web-1", "web-2", "web-3"))
    for host in ("web-1", "web-2", "web-3"):
        run_on(r, host)
        for block in range(event_log.RECENT):  # more than the log keeps in memory
            lines = [f"{host} line {block}"]
            r.record(Kind.COMMAND_OUTPUT, host=host, stream="stdout", lines=lines, **WHERE)
    if closed:
        r.record(Kind.LOCK_RELEASED, systems=["web"], pid=4242)
        r.record(Kind.INCIDENT_CLOSED, outcome="rolled-back", reason="done")
    r.close()
    app = follow_app(tmp_path)
    read_back: list[int] = []
    real_read = event_log.EventLog._read
    monkeypatch.setattr(
        event_log.EventLog, "_read", lambda log, at: read_back.append(at) or real_read(log, at)
    )
    said = app.banner().plain
    assert ("closed by commander" in said) is closed, said
    assert read_back == [], f"{len(read_back)} output events read back for one banner"
