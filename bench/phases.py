"""Where exec's wall time goes against the floor's, phase by phase, on a real sshd fleet.

    FLEET_PORTS=25000-25299 python bench/phases.py --hosts 50 200 --rounds 10
    python bench/phases.py --hosts 50 --console-src /tmp/a --console-src /tmp/b  # two trees
    python bench/phases.py --hosts 200 --steps 5 --console-src /tmp/a --console-src /tmp/b
    python bench/phases.py --hosts 1000 --rounds 12 --floor-cap 200  # the capped floor too

Runs `rollback-console exec --systems bench true` and the fair floor
(bench/peers/asyncssh_gather.py) alternately, the order rotated each round, on one fleet
(bench/fleet.py), each process with bench/phase_marks/sitecustomize.py on its PYTHONPATH,
which notes the monotonic clock at each mark (its docstring lists them). Each run's
phases, from the spawn (this script's clock, the same one):

  start      spawn -> site: the interpreter up to its site hooks
  connect    site -> the first TCP connection attempt to a host
  work       the first attempt -> the last host's exit status received
  tail       the last exit status -> the main thread's end (exec: the journal's close and
             fsync, the summary, the connections' closes; the floor: its closes)
  join       the main thread's end -> the non-daemon threads joined
  exit       joined -> the process reaped (atexit handlers, the interpreter's finalization)

and the fsyncs (count, their summed and longest duration, and those that end inside the
work phase), the subprocesses started (asyncssh's search for liboqs and nettle) with the
span from the first start to the first connection attempt. Medians a phase, per tool
and fleet size; wall and CPU (the child's rusage) too. With two or more --console-src,
exec runs from each tree in turn (the floor between), labelled by the tree's name.

With `--steps K`, `rollback-console run` walks a procedure of K remote steps (bench/fleet.py's:
K - 1 command steps of `true` and the strategy step), against the floor's K gathers of
`true` on the same connections (`--steps K`, fanout.py's gather-5); each step is then cut
too, its commands told apart by their order (a step's N sessions and exit statuses come
before the next step's):

  stepI      step I's first session -> its last exit status
  gapI       step I's last exit status -> step I+1's first session, with the fsyncs in it
A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fleet as fleetlib
from fanout import leave, tool_path, wait_quiet

BENCH = Path(__file__).resolve().parent
PHASES = ("start", "connect", "work", "tail", "join", "exit")
MARKS_DIR = BENCH / "phase_marks"
MOMENTS = ("connect", "auth", "session", "exit-status")
RUN = ["--strategy", "noop", "--trigger", "stakeholder-decision", "--reason", "bench"]


def read_marks(path: Path) -> list[tuple[float, str, str]]:
    marks = []
    for line in path.read_text().splitlines():
        at, name, detail = line.split("\t")
        marks.append((float(at), name, detail))
    return marks


def step_phases(marks: list[tuple[float, str, str]], steps: int, syncs: list[tuple]) -> dict:
    """Each step's work and the gap after it (see the module's docstring), in seconds."""
    sessions = sorted(at for at, name, _ in marks if name == "session")
    exits = sorted(at for at, name, _ in marks if name == "exit-status")
    each = len(exits) // steps
    row = {}
    for i in range(steps):
        begun, ended = sessions[i * each], exits[(i + 1) * each - 1]
        row[f"step{i + 1}"] = ended - begun
        if i + 1 < steps:
            after = sessions[(i + 1) * each]
            row[f"gap{i + 1}"] = after - ended
            inside = [(s, e) for s, e, _ in syncs if e > ended and s < after]
            row[f"gap{i + 1}_fsyncs"] = len(inside)
            row[f"gap{i + 1}_fsync_sum"] = sum(min(e, after) - max(s, ended) for s, e in inside)
    return row


def phases(
    spawned: float, reaped: float, marks: list[tuple[float, str, str]], steps: int = 1
) -> dict:
    """One run's phases and its fsyncs and subprocesses, in seconds."""
    first = {}
    last = {}
    for at, name, _ in marks:
        first.setdefault(name, at)
        last[name] = at
    site, connect = first["site"], first["connect"]
    done, main_end = last["exit-status"], first["main-end"]
    joined = first.get("joined", main_end)
    row = {
        "start": site - spawned,
        "connect": connect - site,
        "work": done - connect,
        "tail": main_end - done,
        "join": joined - main_end,
        "exit": reaped - joined,
    }
    starts: dict[str, float] = {}
    syncs = []
    for at, name, detail in marks:
        if name == "fsync":
            starts[detail] = at
        elif name == "fsync-end" and detail in starts:
            syncs.append((starts.pop(detail), at, detail))
    row["fsyncs"] = len(syncs)
    row["fsync_sum"] = sum(e - s for s, e, _ in syncs)
    row["fsync_max"] = max((e - s for s, e, _ in syncs), default=0.0)
    row["fsync_in_work"] = sum(
        min(e, done) - max(s, connect) for s, e, _ in syncs if e > connect and s < done
    )
    row["fsync_tail"] = sum(e - max(s, done) for s, e, _ in syncs if e > done)
    popens = [at for at, name, _ in marks if name == "popen"]
    row["popens"] = len(popens)
    row["popen_before_connect"] = (connect - popens[0]) if popens and popens[0] < connect else 0.0
    row["last_popen"] = (popens[-1] - spawned) if popens else 0.0
    row["lost_after_done"] = sum(1 for at, name, _ in marks if name == "lost" and at > done)
    if steps > 1:
        row.update(step_phases(marks, steps, syncs))
    for name in MOMENTS:  # when, from the spawn: the first, the median and the last of each
        times = sorted(at for at, mark, _ in marks if mark == name)
        for which, at in (
            ("first", times[0]),
            ("med", times[len(times) // 2]),
            ("last", times[-1]),
        ):
            row[f"{name}.{which}"] = at - spawned
    return row


def run_one(argv: list[str], env: dict[str, str], log: Path, cwd: Path, steps: int = 1) -> dict:
    marks = log.with_suffix(".marks")
    env = {**env, "PHASE_LOG": str(marks)}
    with open(log, "wb") as out:
        spawned = time.monotonic()
        child = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
        _, status, usage = os.wait4(child.pid, 0)
        reaped = time.monotonic()
        child.returncode = os.waitstatus_to_exitcode(status)
    # run's noop (any --steps) has no verify: it ends NOT VERIFIED, exit 1, and no other way
    unverified = child.returncode == 1 and b"NOT VERIFIED" in log.read_bytes()
    if child.returncode != 0 and not unverified:
        raise RuntimeError(f"{argv[:3]}: exit {child.returncode}; {log.read_text()[-800:]}")
    row = phases(spawned, reaped, read_marks(marks), steps)
    row["wall"] = reaped - spawned
    row["cpu"] = usage.ru_utime + usage.ru_stime
    return row


def report(rows: dict[tuple[int, str], list[dict]], steps: int = 1) -> str:
    keys = ["wall", "cpu", *PHASES, "fsyncs", "fsync_sum", "fsync_max", "fsync_in_work"]
    keys += ["fsync_tail", "popens", "popen_before_connect", "last_popen", "lost_after_done"]
    for i in range(1, steps + 1 if steps > 1 else 1):  # exec's runs have no steps
        keys += [f"step{i}"] + (
            [f"gap{i}", f"gap{i}_fsyncs", f"gap{i}_fsync_sum"] if i < steps else []
        )
    lines = []
    for (n, tool), runs in sorted(rows.items()):
        lines.append(f"{n} hosts, {tool} ({len(runs)} runs), medians (ms unless a count):")
        parts = []
        for key in keys:
            value = statistics.median(r[key] for r in runs)
            counted = key in ("fsyncs", "popens", "lost_after_done") or key.endswith("_fsyncs")
            parts.append(f"{key} {value:.0f}" if counted else f"{key} {value * 1000:.1f}")
        lines.append("  " + ", ".join(parts))
        moments = []
        for name in MOMENTS:
            values = [
                statistics.median(r[f"{name}.{w}"] for r in runs) for w in ("first", "med", "last")
            ]
            moments.append(f"{name} " + "/".join(f"{v * 1000:.0f}" for v in values))
        lines.append("  from the spawn (first/median/last): " + ", ".join(moments))
        lines.append("  wall a round, s: " + " ".join(f"{r['wall']:.2f}" for r in runs))
        for against in ("floor", "floor-cap"):
            floor = rows.get((n, against), [])
            if tool.startswith("floor") or len(floor) != len(runs):
                continue
            ratios = [r["wall"] / f["wall"] for r, f in zip(runs, floor, strict=True)]
            cpus = [r["cpu"] / f["cpu"] for r, f in zip(runs, floor, strict=True)]
            said = f"wall {statistics.median(ratios):.3f}, CPU {statistics.median(cpus):.3f}"
            lines.append(f"  against the {against}, the median of each round's ratio: {said}")
    return "\n".join(lines)


def tools(
    work: Path, env: dict[str, str], trees: list[Path], n: int, fleet, steps: int = 0,
    floor_cap: int = 0,
) -> list[tuple]:  # fmt: skip
    """(label, argv, env) of exec (`steps` 0) or run from each tree (or the installed one),
    then the floor (and the floor capped at `floor_cap` handshakes, if set)."""
    with_marks = [str(MARKS_DIR), env.get("PYTHONPATH", "")]
    fleet_json = fleetlib.write_fleet_json(work / f"fleet-{n}.json", fleet, n)
    config = fleetlib.write_console_config(
        work / f"console-{n}",
        fleet,
        n,
        command_steps=max(steps - 1, 0),
        max_handshakes=None,  # each tree's own defaults
        max_commands=None,
    )
    tool, what = ("run", [*RUN, "--yes"]) if steps else ("exec", ["true"])
    argv = [tool_path("rollback-console"), tool, "--config", str(config), "--systems", "bench"]
    found = []
    for tree in trees or [None]:
        name = tree.name if tree else "installed"
        path = os.pathsep.join(
            p for p in [*([str(tree.resolve())] if tree else []), *with_marks] if p
        )
        tree_env = {
            **env,
            "PYTHONPATH": path,
            "ROLLBACK_CONSOLE_STATE": str(work / f"state-{name}"),
        }
        found.append((f"{tool}:{name}", [*argv, *what], tree_env))
    floor = [sys.executable, str(BENCH / "peers" / "asyncssh_gather.py"), str(fleet_json)]
    floor += ["--steps", str(steps)] if steps else []
    floor_env = {**env, "PYTHONPATH": os.pathsep.join(p for p in with_marks if p)}
    found.append(("floor", floor, floor_env))
    if floor_cap:
        found.append(("floor-cap", [*floor, "--cap", str(floor_cap)], floor_env))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--console-src", type=Path, action="append", default=[])
    parser.add_argument(
        "--steps", type=int, default=0, help="run a procedure of K remote steps, not exec"
    )
    parser.add_argument(
        "--floor-cap", type=int, default=0, help="the floor capped at N handshakes too"
    )
    parser.add_argument("--quiet-below", type=float, default=0.5, metavar="SHARE")
    parser.add_argument("--quiet-wait", type=float, default=20.0, metavar="SECONDS")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, marks)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rc-phases-"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "ROLLBACK_CONSOLE_CONFIG")
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # imports from cached bytecode, as fanout.py
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    rows: dict[tuple[int, str], list[dict]] = {}
    fleet = None
    try:
        fleet = fleetlib.start_fleet(work / "fleet", max(args.hosts))
        for n in sorted(set(args.hosts)):
            each = tools(work, env, args.console_src, n, fleet, args.steps, args.floor_cap)
            for round_no in range(-1, args.rounds):  # round -1: warm-up, not kept
                said = []
                turn = round_no % len(each)  # each tool first in turn
                for label, argv, tool_env in each[turn:] + each[:turn]:
                    busy = wait_quiet(args.quiet_below, args.quiet_wait)
                    fleet.wait_idle()
                    log = work / f"{n}-{label.replace(':', '-')}-{round_no}.log"
                    row = run_one(argv, tool_env, log, work, max(args.steps, 1))
                    said.append(f"{label} {row['wall']:.2f} (CPUs {busy:.0%} busy)")
                    if round_no >= 0:
                        rows.setdefault((n, label), []).append(row)
                print(f"N={n} round {round_no + 1}: {', '.join(said)}", flush=True)
        print(report(rows, max(args.steps, 1)))
    finally:
        if fleet is not None:
            fleet.stop()
        leave(work, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
