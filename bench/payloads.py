"""What typed event payloads cost per event, on the fan-out's hot path and on reading.

    PYTHONPATH=CHECKOUT python bench/payloads.py record DIR   # writes DIR/journal.jsonl
    PYTHONPATH=CHECKOUT python bench/payloads.py read DIR     # reads it back

`record` drives the Recorder as the runner does, without the fsync (group commit is the
runner's): 10,000 output batches of 200 lines through the runner's own batcher, then
10,000 intent + result pairs; the best of three rounds, in microseconds per event (per pair).
`read` parses the journal that `record` wrote (either version) and reports the time per
event and the peak memory, then folds the events into the incident's state (the best of
five folds in CPU time, per event: what every reader of the journal pays again on each
refresh). Run both against two checkouts (a `git worktree add` of the
older commit) on a quiet machine: the figures are small, and load swamps them.
A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from console.engine.output_batcher import OutputBatcher
from console.journal.files import JOURNAL_NAME
from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.journal.writer import JournalWriter
from console.model.clock import FixedClock
from console.model.events import Actor, Kind
from console.model.state import fold

ROUNDS, N = 3, 10_000
LINES = [f"line {i} of some output from the host" for i in range(200)]


def _where(i: int) -> dict[str, str]:
    return {"system": "web", "host": f"web-{i % 200}", "step": "restore"}


def _pair(recorder: Recorder, i: int) -> None:
    recorder.record_deferred(
        Kind.COMMAND_INTENT,
        command="systemctl restart app",
        stage="action",
        attempt=1,
        token="abc123",
        **_where(i),
    )
    recorder.record_deferred(
        Kind.COMMAND_RESULT,
        stage="action",
        final=True,
        exit_status=0,
        duration=0.123,
        output_lines=200,
        output_file="output.jsonl",
        **_where(i),
    )


def record(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    recorder = Recorder(JournalWriter(directory / JOURNAL_NAME), clock, Actor(user="bench"))
    best = {"output batch (200 lines)": 1e9, "intent + result pair": 1e9}
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for i in range(N):
            batcher = OutputBatcher(recorder, _where(i), "stdout", time.monotonic())
            batcher.pending, batcher.count = list(LINES), len(LINES)
            batcher.flush()
        best["output batch (200 lines)"] = min(
            best["output batch (200 lines)"], (time.perf_counter() - start) / N
        )
        start = time.perf_counter()
        for i in range(N):
            _pair(recorder, i)
        best["intent + result pair"] = min(
            best["intent + result pair"], (time.perf_counter() - start) / N
        )
    recorder.close()
    for what, seconds in best.items():
        print(f"record {what}: {seconds * 1e6:.1f} us")


def read(directory: Path) -> None:
    start = time.perf_counter()
    events = read_journal(directory / JOURNAL_NAME).events
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"read {len(events)} events: {took:.2f} s, {took / len(events) * 1e6:.1f} us per event,"
        f" peak RSS {peak:.0f} MB"
    )
    best = 1e9
    for _ in range(5):
        start = time.process_time()
        fold(events)
        best = min(best, time.process_time() - start)
    print(f"fold {len(events)} events: {best:.2f} s, {best / len(events) * 1e6:.2f} us per event")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=["record", "read"])
    parser.add_argument("dir", type=Path, help="where journal.jsonl is written, or read from")
    args = parser.parse_args()
    {"record": record, "read": read}[args.part](args.dir)
