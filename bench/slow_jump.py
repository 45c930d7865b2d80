"""The handshake cap on a slow jump host: which hosts read unreachable that are not.

    FLEET_PORTS=30000-31999 python bench/slow_jump.py --hosts 1000 --share 0.25 0.5 \\
        --caps 50 100 200 500 1024 --rounds 2

Starts bench/fleet.py's real sshd hosts on loopback, writes one console configuration a
cap (`max_handshakes`; everything else as shipped: connect and login timeouts, command
cap), and runs `rollback-console exec --systems bench true` with the client made a slow
jump host: pinned to CPU 0 and held to SHARE of it by a cgroup CPU quota (v1
`cpu.cfs_quota_us` or v2 `cpu.max`; root), the fleet's sshd left outside it. Each run's
wall, client CPU (its rusage), the hosts that did not succeed grouped by what exec said
(every host is up: each is a false alarm), and the most descriptors the client held open
(/proc/PID/fd, polled). Caps rotate each round. With `--nofile SOFT:HARD` the client
starts under that RLIMIT_NOFILE.

With `--commands` the command cap (`max_commands`) rotates instead, at the first of `--caps`;
with `--steps K` the client runs `rollback-console run` of bench/fleet.py's K-step procedure
(connections kept across steps), and each row adds the slowest `true` its last step
recorded (the command's time as its timeout sees it: a strategy's timeout below that would
have read a host that was fine as timed out):

    FLEET_PORTS=24000-24999 python bench/slow_jump.py --hosts 1000 --share 0.1 \\
        --caps 200 --commands 64 200 500 4096 --steps 2 --rounds 2

A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import fleet as fleetlib
from fanout import leave, tool_path, wait_quiet

RUN = ["run", "--systems", "bench", "--strategy", "noop", "--trigger", "stakeholder-decision"]
RUN += ["--reason", "bench", "--yes"]

PERIOD_US = 100_000


class CpuQuota:
    """A cgroup whose processes share at most `share` of one CPU between them."""

    def __init__(self, name: str, share: float):
        v1 = Path("/sys/fs/cgroup/cpu")
        if (v1 / "cpu.cfs_quota_us").is_file():
            self.path = v1 / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(int(share * PERIOD_US)))
        else:
            self.path = Path("/sys/fs/cgroup") / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.max").write_text(f"{int(share * PERIOD_US)} {PERIOD_US}")

    def enter(self) -> None:
        """Put the calling process in it (from a child's preexec_fn)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def remove(self) -> None:
        for _ in range(50):  # bounded: its processes have ended
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def peak_descriptors(pid: int, stop: threading.Event, seen: list[int]) -> None:
    """The most descriptors `pid` holds at once, polled every 20 ms until `stop`."""
    fds = Path(f"/proc/{pid}/fd")
    while not stop.wait(0.02):
        with contextlib.suppress(OSError):
            seen[0] = max(seen[0], sum(1 for _ in fds.iterdir()))


def said(line: str) -> str:
    """A host's failure line as a kind: its host, addresses and numbers left out."""
    kind = line.split(": ", 1)[1] if ": " in line else line
    return re.sub(r"\d+(\.\d+)*", "N", kind)[:90]


def run_one(argv: list[str], env: dict, quota: CpuQuota, nofile, log: Path) -> dict:
    def slowed() -> None:
        os.sched_setaffinity(0, {0})
        quota.enter()
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log, "wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env, preexec_fn=slowed
        )
        stop, seen = threading.Event(), [0]
        watch = threading.Thread(target=peak_descriptors, args=(child.pid, stop, seen))
        watch.start()
        try:
            code = child.wait(timeout=900)
        finally:
            stop.set()
            watch.join()
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    kinds: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if re.match(r"h\d{4}: (FAILED|UNKNOWN|NOT STARTED)", line):
            kinds[said(line)] = kinds.get(said(line), 0) + 1
    return {"code": code, "wall": wall, "cpu": cpu, "fds": seen[0], "kinds": kinds}


def last_step(journal: Path) -> tuple[float, float, dict[str, int]]:
    """An incident's last step: its wall (its first intent to its last result, s), the
    longest duration a command of it recorded (s), and its commands that did not succeed,
    by what the journal says of them."""
    slowest: dict[str, float] = {}
    span: dict[str, list[float]] = {}
    failed: dict[str, dict[str, int]] = {}
    for line in journal.read_text().splitlines():
        event = json.loads(line)
        data, step = event["data"], event["where"]["step"]
        if event["kind"] in ("command.intent", "command.result"):
            span.setdefault(step, [event["mono"]] * 2)[1] = event["mono"]
        if event["kind"] == "command.result":
            slowest[step] = max(slowest.get(step, 0.0), data.get("duration") or 0.0)
            kinds = failed.setdefault(step, {})
            if data.get("failure"):
                kind = said(f": {data['failure']} {data.get('detail', '')}")
                kinds[kind] = kinds.get(kind, 0) + 1
    if not slowest:
        return math.nan, math.nan, {"no command recorded": 1}
    step = list(slowest)[-1]
    return span[step][1] - span[step][0], slowest[step], failed[step]


def newest_journal(state: Path) -> Path:
    return max(state.glob("**/journal.jsonl"), key=lambda p: p.stat().st_mtime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--share", type=float, nargs="+", default=[0.25, 0.5])
    parser.add_argument("--caps", type=int, nargs="+", default=[50, 100, 200, 500, 1024])
    parser.add_argument("--commands", type=int, nargs="+", help="rotate max_commands instead")
    parser.add_argument("--steps", type=int, default=0, help="run a K-step procedure, not exec")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nofile", help="SOFT:HARD, the client's RLIMIT_NOFILE")
    parser.add_argument("--console-src", type=Path, help="import the console from here")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    args = parser.parse_args()
    nofile = tuple(int(x) for x in args.nofile.split(":")) if args.nofile else None
    work = Path(tempfile.mkdtemp(prefix="rc-slow-jump-"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "ROLLBACK_CONSOLE_CONFIG")
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode, as an installed package
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["ROLLBACK_CONSOLE_STATE"] = str(work / "state")
    if args.console_src:
        env["PYTHONPATH"] = str(args.console_src.resolve())
    rows: dict[tuple[float, int], list[dict]] = {}
    fleet = None
    quotas: list[CpuQuota] = []
    try:
        fleet = fleetlib.start_fleet(work / "fleet", args.hosts)
        argvs = {}
        pairs = [(args.caps[0], c) for c in args.commands] if args.commands else []
        pairs = pairs or [(cap, 64) for cap in args.caps]
        for hands, commands in pairs:
            cap = commands if args.commands else hands
            config = fleetlib.write_console_config(
                work / f"console-{cap}", fleet, args.hosts, command_steps=max(args.steps - 1, 0),
                max_handshakes=hands, max_commands=commands,
            )  # fmt: skip
            console = [tool_path("rollback-console")]
            if args.steps:
                argvs[cap] = [*console, "--config", str(config), *RUN]
            else:
                argvs[cap] = [
                    *console,
                    "exec",
                    "--config",
                    str(config),
                    "--systems",
                    "bench",
                    "true",
                ]
        caps_of = [cap for cap in argvs]
        for share in args.share:
            quota = CpuQuota(f"{work.name}-{int(share * 100)}", share)
            quotas.append(quota)
            for round_no in range(-1, args.rounds):  # -1: a warm-up (bytecode), not kept
                turn = round_no % len(caps_of)
                caps = caps_of[turn:] + caps_of[:turn]
                for cap in caps if round_no >= 0 else caps[:1]:
                    busy = wait_quiet(0.5, 20.0)
                    fleet.wait_idle()
                    log = work / f"{share}-{cap}-{round_no}.log"
                    row = run_one(argvs[cap], env, quota, nofile, log)
                    row["busy"] = busy
                    row["step"] = row["slowest"] = math.nan
                    if args.steps:  # its output is the timeline: the journal says which failed
                        journal = newest_journal(work / "state")
                        row["step"], row["slowest"], row["kinds"] = last_step(journal)
                    print(
                        f"share {share} cap {cap} round {round_no + 1}: exit {row['code']},"
                        f" {row['wall']:.1f} s, CPU {row['cpu']:.2f} s, {row['fds']} fds,"
                        f" last step {row['step']:.2f} s, slowest command {row['slowest']:.2f} s,"
                        f" busy before {busy:.0%}, not ok: {sum(row['kinds'].values())}"
                        f" {row['kinds']}",
                        flush=True,
                    )
                    if round_no >= 0:
                        rows.setdefault((share, cap), []).append(row)
        print(report(rows))
    finally:
        if fleet is not None:
            fleet.stop()
        for quota in quotas:
            quota.remove()
        leave(work, args.keep)
    return 0


def report(rows: dict[tuple[float, int], list[dict]]) -> str:
    lines = ["| CPU share | cap | hosts not ok (each run) | wall s (median) | CPU s | peak fds |"]
    lines[0] += " the last step's wall, s (each run) | its slowest command, s (each run) |"
    lines.append("|---|---|---|---|---|---|---|---|")
    for (share, cap), runs in sorted(rows.items()):
        bad = ", ".join(str(sum(r["kinds"].values())) for r in runs)
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        fds = max(r["fds"] for r in runs)
        step = ", ".join(f"{r['step']:.2f}" for r in runs)
        slowest = ", ".join(f"{r['slowest']:.2f}" for r in runs)
        lines.append(
            f"| {share:g} | {cap} | {bad} | {wall:.1f} | {cpu:.2f} | {fds} | {step} | {slowest} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
