"""What a step's command events cost the client, in process, without SSH.

Replays the last step of a `run` journal (its `command.intent` and `command.result`
events, N hosts each) through a Recorder on a copy of that journal, as the Runner records
them: the intents deferred and one group commit (`sync`), then the results and one more;
with `run`'s headless EventPrinter subscribed (stdout to /dev/null), so that each event
costs its journal line, its fold, the event log and its terminal line. Prints the CPU a
step and an event (medians), alternating the trees given with --src (a tree's console
package imported in a subprocess of its own).

    python bench/step_events.py JOURNAL [--rounds 9] [--src TREE ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ONE = r"""
import asyncio, contextlib, gc, os, sys, time
from pathlib import Path
from console.headless.common import EventPrinter
from console.journal.actor import current_actor
from console.journal.recorder import Recorder
from console.journal.store import read_journal
from console.model.clock import SystemClock

source, work, rounds = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
events = read_journal(source)[0]
kinds = {"command.intent", "command.result"}
ours = [e for e in events if str(getattr(e.kind, "value", e.kind)) in kinds]
last = ours[-1].where.step
step = [e for e in ours if e.where.step == last]
intents = [e for e in step if str(getattr(e.kind, "value", e.kind)) == "command.intent"]
results = [e for e in step if e not in intents]
prefix = [e for e in events if e.seq < step[0].seq]

async def replay(recorder):
    for e in intents:
        w = e.where
        recorder.record_deferred(e.data, system=w.system, host=w.host, step=w.step)
    await recorder.sync()
    for e in results:
        w = e.where
        recorder.record_deferred(e.data, system=w.system, host=w.host, step=w.step)
    await recorder.sync()

async def main():
    out = []
    for number in range(rounds + 1):
        incident = work / f"r{number}"
        incident.mkdir()
        recorder = Recorder.open(incident, SystemClock(), current_actor())
        for e in prefix:  # the incident so far (its steps, hosts, places)
            w = e.where
            recorder.record_deferred(e.data, system=w.system, host=w.host, step=w.step)
        await recorder.sync()
        printer = EventPrinter()
        recorder.subscribe(printer)
        for e in recorder.events:
            printer.places.learn(e)
        gc.collect()
        cpu = time.process_time()
        if os.environ.get("STEP_EVENTS_REPLAY", "1") == "1":
            await replay(recorder)
        printer.flush()
        cpu = time.process_time() - cpu
        recorder.close()
        if number:
            out.append(cpu)
    print(len(intents), *out, file=sys.__stdout__)

sys.stdout = open(os.devnull, "w")  # the printer's lines
asyncio.run(main())
"""


def _run(tree: Path, journal: Path, where: Path, rounds: int, prefix: list[str], **env: str):
    where.mkdir()
    environ = {**os.environ, "PYTHONPATH": str(tree.resolve()), "PYTHONHASHSEED": "0", **env}
    argv = [*prefix, sys.executable, "-c", ONE, str(journal), str(where), str(rounds)]
    return subprocess.run(argv, env=environ, capture_output=True, text=True, check=True)


def instructions(journal: Path, trees: list[Path], rounds: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="rc-step-events-"))
    try:
        for tree in trees:
            counts = {}
            for replay in ("1", "0"):
                out = work / f"cg-{tree.name}-{replay}"
                grind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
                where = work / f"{tree.name}-{replay}"
                done = _run(tree, journal, where, rounds, grind, STEP_EVENTS_REPLAY=replay)
                hosts = int(done.stdout.split()[0])
                totals = [ln for ln in out.read_text().splitlines() if ln.startswith("totals:")]
                counts[replay] = int(totals[0].split()[1])
            each = (counts["1"] - counts["0"]) / rounds
            print(
                f"{tree}: {each / 1e6:.2f} M instructions a step of {hosts} hosts' intents and"
                f" results, {each / (2 * hosts) / 1e3:.1f} k an event ({rounds} replays)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("journal", type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument("--instructions", action="store_true", help="callgrind, see above")
    args = parser.parse_args()
    trees = args.src or [Path(__file__).resolve().parent.parent]
    if args.instructions:
        return instructions(args.journal, trees, args.rounds)
    samples: dict[Path, list[float]] = {t: [] for t in trees}
    count = 0
    work = Path(tempfile.mkdtemp(prefix="rc-step-events-"))
    try:
        for turn in range(3):
            for tree in trees if turn % 2 == 0 else trees[::-1]:
                where = work / f"{tree.name}-{turn}"
                result = _run(tree, args.journal, where, args.rounds, [])
                count, *cpus = result.stdout.split()
                samples[tree] += [float(c) for c in cpus]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for tree, values in samples.items():
        median = statistics.median(values) * 1000
        print(
            f"{tree}: {median:.2f} ms a step of {count} hosts' intents and results,"
            f" {median * 1000 / (2 * int(count)):.2f} us an event (median of {len(values)};"
            f" {min(values) * 1000:.2f}-{max(values) * 1000:.2f} ms)"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
