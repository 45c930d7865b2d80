"""Journal benchmark: a realistic long incident, then export it and reopen it.

    python bench/journal.py --events 100000 --hosts 300       # the resume-sized incident
    python bench/journal.py --output-mb 50 --part export       # export of 50 MB of output

The journal is what a long incident leaves: hundreds of hosts over several systems,
steps that run on every host (intent, output in blocks of varied lines, result), probe
samples, notes, a few failed hosts; `--output-mb` sets how much output it holds. It is
written by the console's own Recorder in a child process.

  export   `rollback-console export J --format json -o FILE` in a child process: its
           wall time and peak memory (ru_maxrss; target < 150 MB at 50 MB of output)
  load     the engine reopening the incident as `resume` does (read, parse, fold), in a
           child process: wall time and peak memory (target < 300 MB at 100,000 events)

The console's own stalls while it resumes are measured by `bench/ui.py --part resume`,
which uses this journal. A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BIN = Path(sys.executable).parent
WORDS = [
    "restarting",
    "unit",
    "nginx.service",
    "deploy",
    "release",
    "current",
    "symlink",
    "migrated",
    "schema",
    "rows",
    "checksum",
    "verified",
    "healthy",
    "upstream",
    "timeout",
    "retry",
    "connection",
    "pool",
    "warmed",
    "cache",
    "purged",
    "200",
    "OK",
    "502",
    "Bad",
    "Gateway",
    "listening",
    "on",
    "port",
    "worker",
    "pid",
    "config",
    "reloaded",
]
SYSTEMS = ("web", "api", "worker", "db")
STEPS = ("halt-delivery", "assess-state", "precheck", "restore", "verify", "smoke-test")
IN_FLIGHT = 21  # the step it died in, and the hosts whose outcome is unknown


def _line(rng: random.Random, n: int) -> str:
    """A log-like line of varied length."""
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 18)))
    return f"2026-11-28T09:{n // 60 % 60:02d}:{n % 60:02d}Z [{rng.randint(1, 99999)}] {words}"


def write_incident(directory: Path, events: int, hosts: int, output_mb: float) -> Path:
    """Write the incident with the console's Recorder; returns the journal's path."""
    from console.journal.recorder import Recorder
    from console.model.clock import SystemClock
    from console.model.events import Actor, Kind

    rng = random.Random(18)
    names = {
        f"{SYSTEMS[i % len(SYSTEMS)]}-{i:03d}": SYSTEMS[i % len(SYSTEMS)] for i in range(hosts)
    }
    r = Recorder.open(directory, SystemClock(), Actor(user="commander", client="10.0.0.7"))
    steps = [{"id": s, "title": s, "kind": "command", "phase": "execution"} for s in STEPS]
    r.record(Kind.INCIDENT_OPENED, incident_id=directory.name, title="bench: long", steps=steps)
    r.record(Kind.TRIGGER_DECLARED, kind="user-impact", reason="checkout errors", automatic=False)
    r.record(Kind.SYSTEMS_SELECTED, systems=list(SYSTEMS), hosts=names)
    budget = int(output_mb * 1024 * 1024)
    # Each host-step: intent, output blocks, result; the blocks share out the output budget.
    per_run = max(3, (events - 3) // (hosts * len(STEPS)))
    blocks = per_run - 2
    bytes_per_block = budget / max(1, hosts * len(STEPS) * blocks)
    written = 3
    n = 0
    for step in STEPS:
        if written >= events:
            break
        r.record(Kind.STEP_STARTED, step=step, title=step, phase="execution")
        written += 1
        for host, system in names.items():
            if written >= events:
                break
            where = {"system": system, "host": host, "step": step}
            r.record(Kind.COMMAND_INTENT, command=f"run {step}", stage="action", attempt=1, **where)
            lines_total = 0
            for _ in range(blocks):
                lines, size = [], 0
                while size < bytes_per_block or not lines:
                    n += 1
                    lines.append(_line(rng, n))
                    size += len(lines[-1]) + 1
                stream = "stderr" if rng.random() < 0.1 else "stdout"
                r.record(Kind.COMMAND_OUTPUT, stream=stream, lines=lines, **where)
                lines_total += len(lines)
            failed = rng.random() < 0.02
            result = {"exit_status": 1, "failure": "non-zero exit", "detail": "exit status 1"}
            r.record(
                Kind.COMMAND_RESULT,
                stage="action",
                final=True,
                duration=round(rng.uniform(0.1, 30), 3),
                output_lines=lines_total,
                **(result if failed else {"exit_status": 0}),
                **where,
            )
            written += blocks + 2
            if rng.random() < 0.05:
                r.record(Kind.NOTE_ADDED, text=f"{host}: {_line(rng, n)}")
                written += 1
    while written < events - IN_FLIGHT:  # the rest: notes, as a commander writes them
        r.record(Kind.NOTE_ADDED, text=_line(rng, written))
        written += 1
    # Then the console died mid-step: these hosts' intents have no outcome (unknown).
    r.record(Kind.STEP_STARTED, step=STEPS[-1], title=STEPS[-1], phase="execution", attempt=2)
    for host, system in list(names.items())[: IN_FLIGHT - 1]:
        where = {"system": system, "host": host, "step": STEPS[-1]}
        r.record(
            Kind.COMMAND_INTENT, command=f"run {STEPS[-1]}", stage="action", attempt=2, **where
        )
    r.close()
    return r.path


def incident_settings(hosts: int):
    """The demo configuration with the incident's systems and hosts (for resuming it)."""
    from console.model.loading import load_settings
    from console.model.settings import Settings
    from console.paths import demo_config

    data = load_settings(demo_config()).dumped()
    strategies = [s["name"] for s in data["strategies"]]
    data["inventory"]["systems"] = [
        {
            "name": system,
            "hosts": [{"name": f"{system}-{i:03d}"} for i in range(hosts) if i % len(SYSTEMS) == n],
            "strategies": strategies,
        }
        for n, system in enumerate(SYSTEMS)
    ]
    data["triggers"]["triggers"] = []
    data.pop("drills")  # the demo's drills name its hosts, which these systems replace
    return Settings.validated(data)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=1800
    )
    if done.returncode:
        raise SystemExit(f"bench/journal.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_export(journal: Path, fmt: str) -> dict:
    """The CLI's export, in this (child) process; ru_maxrss is the export's own peak."""
    from console.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"out.{fmt}"
        started = time.perf_counter()
        code = main(["export", str(journal), "--format", fmt, "-o", str(target)])
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    return {
        "part": "export",
        "format": fmt,
        "code": code,
        "seconds": round(seconds, 2),
        "document_mb": round(size / 2**20, 1),
        "peak_mb": peak_mb(),
    }


def measure_load(journal: Path) -> dict:
    """Read, parse and fold the journal as `resume` does."""
    from console.journal.recorder import Recorder
    from console.model.clock import SystemClock
    from console.model.events import Actor

    started = time.perf_counter()
    recorder = Recorder.open(journal.parent, SystemClock(), Actor(user="bench"))
    seconds = time.perf_counter() - started
    count = len(recorder.events)
    recorder.close()
    return {"part": "load", "events": count, "seconds": round(seconds, 2), "peak_mb": peak_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=300)
    parser.add_argument("--output-mb", type=float, default=50.0)
    parser.add_argument("--part", nargs="+", default=["export", "load"], choices=["export", "load"])
    parser.add_argument("--journal", type=Path, help="use this journal instead of writing one")
    parser.add_argument("--keep", type=Path, help="write the journal here and keep it")
    parser.add_argument("--write-incident", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=["export", "load"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_incident:
        path = write_incident(args.write_incident, args.events, args.hosts, args.output_mb)
        print(json.dumps({"journal": str(path)}))
        return 0
    if args.measure == "export":
        print(json.dumps(measure_export(args.journal, "json")))
        return 0
    if args.measure == "load":
        print(json.dumps(measure_load(args.journal)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        journal = args.journal
        if journal is None:
            where = args.keep or Path(tmp) / "bench-incident"
            started = time.perf_counter()
            sizes = ["--events", str(args.events), "--hosts", str(args.hosts)]
            made = child(
                ["--write-incident", str(where), *sizes, "--output-mb", str(args.output_mb)]
            )
            journal = Path(made["journal"])
            sizes = {
                p.name: round(p.stat().st_size / 2**20, 1) for p in journal.parent.glob("*.jsonl")
            }
            print(f"journal written in {time.perf_counter() - started:.1f} s: {sizes}", flush=True)
        for part in args.part:
            print(json.dumps(child(["--measure", part, "--journal", str(journal)])), flush=True)
    print(f"load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
