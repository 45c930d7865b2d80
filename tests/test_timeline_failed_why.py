"""The timeline says why a host failed, in its own words: its stage, its exit status and
its last line on stderr (seen on a real PostgreSQL restore: the row read `1 failed (db-1:
non-zero exit)`, the cause in Failures alone); past five hosts the alike ones together,
and past three whys by their failure class, each host's why in Failures. The journals are
made by the recorder, the rows by the exporter."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.export.timeline import build_timeline
from console.model.events import Kind
from console.model.state import fold
from tests.events_factory import recorder_in


def _row(tmp_path: Path, said: dict[str, str]) -> str:
    """The timeline's row of a step whose hosts each exited 1 saying `said[host]` (a host
    saying "" prints nothing on stderr)."""
    r = recorder_in(tmp_path)
    r.record(Kind.INCIDENT_OPENED, incident_id="inc", title="t")
    r.record(Kind.STEP_STARTED, step="restore", title="Restore", phase="execution")
    for host, line in said.items():
        where = {"system": "web", "host": host, "step": "restore"}
        r.record(Kind.COMMAND_INTENT, command="restart", stage="action", attempt=1, **where)
        if line:
            r.record(Kind.COMMAND_OUTPUT, stream="stderr", lines=["first", line, ""], **where)
        r.record(
            Kind.COMMAND_RESULT, stage="action", exit_status=1, failure="non-zero exit",
            detail="exit status 1", duration=0.1, **where,
        )  # fmt: skip
    events = list(r.events)
    r.close()
    rows = build_timeline(events, fold(events), starred_only=False).rows
    [row] = [x.what for x in rows if " sent → " in x.what]
    return row


def test_a_few_hosts_each_say_why_and_alike_ones_together(tmp_path: Path):
    row = _row(
        tmp_path,
        {"web-1": "port 8080 in use", "web-2": "\x1b[31mdisk full", "web-3": "port 8080 in use"},
    )
    assert (
        "3 failed (web-1, web-3: at action, exit status 1: port 8080 in use; web-2: at action,"
        " exit status 1: \\x1b[31mdisk full)"  # nothing from a host reaches a terminal raw
    ) in row, row


def test_a_long_line_is_cut(tmp_path: Path):
    row = _row(tmp_path, {"web-1": "x" * 500, "web-2": ""})
    assert f"web-1: at action, exit status 1: {'x' * 99}…; web-2: at action, exit status 1)" in row


@pytest.mark.parametrize(
    ("whys", "said"),
    [
        (1, "at action, exit status 1: port 8080 in use: h1, h2, h3, h4, h5 +3 more)"),
        (
            8,
            "non-zero exit: h1, h2, h3, h4, h5 +3 more (each host's why: Failures))",
        ),
    ],
)
def test_many_hosts_are_named_a_few_by_why_or_past_three_whys_by_class(
    tmp_path: Path, whys: int, said: str
):
    lines = {f"h{n}": "port 8080 in use" if whys == 1 else f"error {n}" for n in range(1, 9)}
    assert f"8 failed ({said}" in _row(tmp_path, lines)
