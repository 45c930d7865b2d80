"""The rollback document of an incident whose strategy's commands name `{{host}}`: each
host got its own rendering of precheck, action and verify. Writes the journal of such an
incident on N hosts with the console's Recorder (the events a real `run` of a custom
strategy journals on a real sshd, in their order and shape, every host from one work
directory), then times `export --format markdown` on it in child processes.

    PYTHONPATH=$PWD python bench/host_commands.py 1000            # journal in a temp dir
    PYTHONPATH=$PWD python bench/host_commands.py 1000 --keep DIR  # and kept in DIR

Prints the journal's size, then per round the export's wall time and the document's size
and lines, and the load average (wall time is the load's). A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORKDIR = "/srv/shop"
FAILING = 4  # hosts whose verify fails, one in every N // FAILING
STEPS = [
    {"id": "bridge", "title": "Open the bridge", "kind": "manual", "phase": "immediate"},
    {"id": "look", "title": "Look", "kind": "command", "phase": "immediate"},
    {"id": "restore", "title": "Restore the release", "kind": "strategy", "phase": "execution"},
]
STAGES = {
    "precheck": "test -d . && echo checking {host}",
    "action": 'test ! -f broken && echo 2.4.0 > release\nlogger -t rollback "{host} back on'
    ' 2.4.0"\necho done on {host}',
    "verify": "grep -q 2.4.0 release",
}


def write_incident(directory: Path, count: int) -> Path:
    from console.journal.recorder import Recorder
    from console.model.clock import SystemClock
    from console.model.events import Actor, Kind

    hosts = [f"web-{i:04d}" for i in range(1, count + 1)]
    failing = set(hosts[count // FAILING // 2 :: max(1, count // FAILING)])
    r = Recorder.open(directory, SystemClock(), Actor(user="commander", client="10.0.0.7"))
    r.record(
        Kind.INCIDENT_OPENED, incident_id=directory.name, title="bench", steps=STEPS,
        procedure="Release rollback",
    )  # fmt: skip
    r.record(
        Kind.TRIGGER_DECLARED, kind="user-impact", label="User impact assessment",
        reason="checkout errors", automatic=False,
    )  # fmt: skip
    r.record(Kind.SYSTEMS_SELECTED, systems=["web"], hosts=dict.fromkeys(hosts, "web"))
    r.record(Kind.STRATEGY_CHOSEN, strategy="flip", params={})
    r.record(Kind.STEP_CONFIRMED, step="bridge", title="Open the bridge", by="--yes (headless)")
    for step, stages in (("look", {"run": "uptime"}), ("restore", STAGES)):
        r.record(Kind.STEP_STARTED, step=step, hosts=hosts, attempt=1)
        r.record(Kind.WAVE_STARTED, step=step, wave=1, waves=1, hosts=hosts)
        for host in hosts:
            where = {"system": "web", "host": host, "step": step}
            for stage, template in stages.items():
                command = f"cd -- {WORKDIR} || exit 97\n" + template.format(host=host)
                r.record(Kind.COMMAND_INTENT, command=command, stage=stage, attempt=1, **where)
                final = stage in ("run", "verify")
                if final and host in failing and step == "restore":
                    r.record(
                        Kind.COMMAND_RESULT, stage=stage, final=True, failure="non-zero exit",
                        exit_status=1, detail="exit status 1", duration=0.02, **where,
                    )  # fmt: skip
                else:
                    r.record(
                        Kind.COMMAND_RESULT, stage=stage, final=final, exit_status=0,
                        duration=0.02, **where,
                    )  # fmt: skip
        bad = len(failing) if step == "restore" else 0
        r.record(Kind.WAVE_FINISHED, step=step, wave=1, waves=1, succeeded=count - bad, failed=bad)
        summary = f"{bad} failed, {count - bad} succeeded" if bad else f"{count} succeeded"
        status = "failed" if bad else "done"
        r.record(Kind.STEP_COMPLETED, step=step, status=status, summary=summary)
    r.record(
        Kind.INCIDENT_CLOSED, outcome="partial", hosts=sorted(failing),
        label=f"partially rolled back; not rolled back: {', '.join(sorted(failing))}",
    )  # fmt: skip
    r.close()
    return r.path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("hosts", type=int, nargs="?", default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the journal here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-host-commands-") as tmp:
        journal = write_incident(args.keep or Path(tmp) / "incident", args.hosts)
        print(f"journal: {journal.stat().st_size / 2**20:.2f} MB, {args.hosts} hosts")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        for _ in range(args.rounds):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "console", "export", str(journal), "--format", "markdown"],
                capture_output=True, text=True, env=env, check=True, timeout=600,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            size = len(done.stdout.encode())
            lines = done.stdout.count("\n")
            print(
                f"export --format markdown: {seconds:.2f} s, {size / 2**20:.2f} MB, {lines} lines"
            )
    print(f"load average: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
