"""What the remote supervisor costs a host per command, in CPU: `true` run N times
through `/bin/sh -c` (as sshd runs a command) bare, in the wrapper without the stdin
watcher (before: trap and subshell), and in `runner.supervised` (the watcher too).
Each child gets a pipe on stdin that stays open, as an SSH channel's does.

    python bench/wrapper_cost.py [N]       # N commands per variant and round (300)
"""

import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from console.engine.supervisor import supervised


def old(command: str) -> str:
    """The wrapper before the stdin watcher."""
    script = f"trap 'trap - TERM INT HUP; kill -TERM 0' TERM INT HUP\n(\n{command}\n) &\nwait $!\n"
    return f"exec /bin/sh -c {shlex.quote(script)}"


def measure(wrap: str, n: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per command, children's user + system time."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    for _ in range(n):
        p = subprocess.Popen(
            ["/bin/sh", "-c", wrap],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        p.wait()
        p.stdin.close()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return cpu / n * 1000, (time.monotonic() - t0) / n * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    variants = {
        "sh -c true": "true",
        "trap + subshell (before)": old("true"),
        "supervised (watcher too)": supervised("true", "0123456789ab"),
    }
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for _ in range(5):  # rounds, variants interleaved
        for name, wrap in variants.items():
            results[name].append(measure(wrap, n))
    for name, samples in results.items():
        cpu = sorted(c for c, _ in samples)
        wall = sorted(w for _, w in samples)
        print(
            f"{name:26} CPU per command: median {cpu[2]:.2f} ms ({cpu[0]:.2f}-{cpu[-1]:.2f});"
            f" wall median {wall[2]:.2f} ms"
        )


if __name__ == "__main__":
    main()
