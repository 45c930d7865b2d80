"""What the remote supervisor costs a host per command, without sshd: `true` run N times as
sshd runs a command for an account whose login shell is /bin/sh (`/bin/sh -c COMMAND`,
SHELL=/bin/sh, stdin a pipe held open as a channel's), bare, with the supervisor's forks
alone, and as the console wraps it; CPU (children's user + system time) and minor page
faults a command, variants alternated round by round, medians.

    python bench/wrapper_cost.py [--n 300] [--rounds 7] [--base-src DIR]
    python bench/wrapper_cost.py --wakeup 3000

  bare        `true`, as the floor sends it
  one-fork    `true` in a background subshell the shell waits for
  two-fork    and a watcher subshell beside it (reading stdin), killed at the command's end
  supervised  console.engine.supervisor.supervised('true', token)
  supervised-base  the same from another tree (--base-src DIR: its supervisor.py alone)

--wakeup N: the one-fork-fewer wrapper under dash (the wrapper reads stdin itself, a
trapped CHLD ends its `read` when the command ends), N runs of a command that ends after
0-40 loop turns: how many never hear of the command's end (a signal landing between the
shell's check for traps and its read(2) is not seen until the session's stdin closes).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from console.engine.supervisor import supervised

TWO_FORK = (
    "{ while read -r l; do :; done; } &\nw=$!\n(\ntrue\n) &\nc=$!\nwait $c\ns=$?\n"
    "kill -KILL $w 2>/dev/null\nwait $w 2>/dev/null\nexit $s\n"
)
VARIANTS = {
    "bare": "true",
    "one-fork": "(\ntrue\n) &\nwait $!\n",
    "two-fork": TWO_FORK,
    "supervised": supervised("true", "0123456789ab"),
}
ONE_FORK_FEWER = """trap 'wait $c; exit $?' CHLD
( i=0; while [ $i -lt {turns} ]; do i=$((i + 1)); done ) &
c=$!
while read -r l; do :; done
exit 99
"""


def base_supervisor(tree: Path) -> ModuleType:
    """The supervisor module of another tree (its console/engine/supervisor.py alone)."""
    path = tree / "console" / "engine" / "supervisor.py"
    spec = importlib.util.spec_from_file_location("base_supervisor", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"PATH": os.environ["PATH"], "SHELL": "/bin/sh"},
    )


def measure(command: str, n: int) -> tuple[float, float]:
    """(CPU ms, minor faults) a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(n):
        process = _run(["/bin/sh", "-c", command])
        process.wait()
        assert process.stdin is not None
        process.stdin.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu / n * 1000, (after.ru_minflt - before.ru_minflt) / n


def wakeups(n: int) -> int:
    """How many of `n` one-fork-fewer wrappers under dash missed their command's end."""
    missed = 0
    for _ in range(n):
        script = ONE_FORK_FEWER.replace("{turns}", str(random.randint(0, 40)))
        process = _run(["dash", "-c", script])
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            missed += 1
            process.kill()
            process.wait()
        assert process.stdin is not None
        process.stdin.close()
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="commands a variant and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--base-src", type=Path, metavar="DIR", help="supervised-base's tree")
    parser.add_argument("--wakeup", type=int, metavar="N", help="count missed wake-ups")
    args = parser.parse_args()
    if args.wakeup:
        print(f"one fork fewer under dash: {wakeups(args.wakeup)} of {args.wakeup} missed")
        return 0
    variants = dict(VARIANTS)
    if args.base_src is not None:
        variants["supervised-base"] = base_supervisor(args.base_src).supervised("true", "0" * 12)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for number in range(args.rounds + 1):  # round 0 warms up
        for name in list(variants) if number % 2 else list(variants)[::-1]:
            sample = measure(variants[name], args.n)
            if number:
                samples[name].append(sample)
    print(f"{args.n} commands x {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    for name, values in samples.items():
        cpu = [c for c, _ in values]
        print(
            f"  {name:15s} CPU {statistics.median(cpu):.3f} ms a command"
            f" ({min(cpu):.3f}-{max(cpu):.3f}),"
            f" minor faults {statistics.median(f for _, f in values):.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
