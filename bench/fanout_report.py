"""The fan-out benchmark's samples and its report: medians, CPU, and paired ratios.

Rounds interleave the tools (bench/fanout.py), so the samples of one round were taken
under the same conditions; a ratio is the median over rounds of that round's ratio
(paired), which drift and other load bias less than a ratio of medians.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent


@dataclass
class Sample:
    seconds: float
    ok: bool
    logins: int
    busy_before: float = 0.0  # share of both CPUs busy just before the run
    client_cpu: float = 0.0  # user + system seconds of the timed process and its children
    machine_cpu: float = 0.0  # busy CPU seconds of the whole machine (all cores) during the run
    round_no: int = 0  # samples of one round are paired (interleaved runs)
    # CPU seconds of the fleet's sshd and all they started (bench/cgroup_cpu.py), from the
    # run's start until the fleet served nothing; None when not counted (not root)
    hosts_cpu: float | None = None

    def measure(self, what: str) -> float:
        if what == "wall":
            return self.seconds
        if what == "system":  # the client's and the hosts' CPU: what a step costs in all
            return self.client_cpu + (self.hosts_cpu or 0.0)
        return self.client_cpu


@dataclass
class Results:
    samples: dict[tuple[int, str], list[Sample]] = field(default_factory=dict)

    def add(self, n: int, key: str, sample: Sample) -> None:
        self.samples.setdefault((n, key), []).append(sample)

    def ok(self, n: int, key: str) -> list[Sample]:
        return [s for s in self.samples.get((n, key), []) if s.ok]

    def times(self, n: int, key: str) -> list[float]:
        return [s.seconds for s in self.ok(n, key)]

    def median(self, n: int, key: str, what: str = "wall") -> float | None:
        values = [s.measure(what) for s in self.ok(n, key)]
        return statistics.median(values) if values else None

    def paired(self, n: int, top: str, bottom: str, what: str) -> float | None:
        """Median over rounds of top/bottom in the same round (None if no round has both)."""
        below = {s.round_no: s.measure(what) for s in self.ok(n, bottom)}
        ratios = [
            s.measure(what) / below[s.round_no] for s in self.ok(n, top) if below.get(s.round_no)
        ]
        return statistics.median(ratios) if ratios else None


@dataclass(frozen=True)
class Target:
    label: str
    top: str
    bottoms: tuple[str, ...]  # the one with the lowest median of `what` counts
    what: str = "wall"  # or "cpu": the tool's own CPU seconds; "system": and the hosts'
    limit: float | None = None
    at: tuple[int, ...] = ()  # the fleet sizes the limit holds at (all if empty)


FLOORS = ("gather", "gather-cap")
TARGETS = [
    Target("(a) exec / (d) fair floor, wall", "exec", FLOORS, "wall", 1.05),
    Target("(a) exec / (d) fair floor, CPU", "exec", FLOORS, "cpu", 1.2),
    Target("(a) exec / (d) no cap, wall", "exec", ("gather",)),
    Target("(a) exec / (d) capped, wall", "exec", ("gather-cap",)),
    Target("(a) exec / (b) Ansible -m command, wall", "exec", ("ansible",)),
    Target("(a) exec / (b) Ansible -m raw, wall", "exec", ("ansible-raw",), "wall", 0.10, (50,)),
    Target("(a) exec / (c) parallel-ssh, wall", "exec", ("pssh",)),
    Target("(e) run 5 steps / 1 step, wall", "run-5", ("run-1",), "wall", 1.45, (200,)),
    Target("(e) run 5 steps / 1 step, CPU", "run-5", ("run-1",), "cpu"),
    Target("(e) run 5 steps / 1 step, client + hosts' CPU", "run-5", ("run-1",), "system"),
    Target("floor: (d) 5 steps / 1 step, wall", "gather-5", ("gather",)),
    Target("floor: (d) 5 steps / 1 step, client + hosts' CPU", "gather-5", ("gather",), "system"),
    Target("(e) run-1 / (d) fair floor, wall", "run-1", FLOORS, "wall"),
]


def ratio_cell(results: Results, n: int, target: Target) -> str:
    medians = {b: results.median(n, b, target.what) for b in target.bottoms}
    medians = {b: m for b, m in medians.items() if m}
    if not medians or results.median(n, target.top) is None:
        return "n/a"
    if target.what == "system" and any(s.hosts_cpu is None for s in results.ok(n, target.top)):
        return "n/a (the hosts' CPU is counted as root)"
    bottom = min(medians, key=lambda b: medians[b])
    ratio = results.paired(n, target.top, bottom, target.what)
    if ratio is None:
        return "n/a"
    if target.limit is None or (target.at and n not in target.at):
        return f"{ratio:.2f}"
    return f"{ratio:.2f} {'met' if ratio <= target.limit else 'MISSED'}"


def report(results: Results, tools: list, sizes: list[int]) -> str:
    """Markdown: wall medians (min–max), CPU medians, then the paired ratios."""
    out = [
        "| tool | " + " | ".join(f"N={n}: median (min–max), s" for n in sizes) + " | logins/host |"
    ]
    out.append("|---|" + "---|" * len(sizes) + "---|")
    for tool in tools:
        cells = []
        logins = []
        for n in sizes:
            samples = results.samples.get((n, tool.key), [])
            times = results.times(n, tool.key)
            failed = len(samples) - len(times)
            if times:
                cell = f"**{statistics.median(times):.2f}** ({min(times):.2f}–{max(times):.2f})"
            else:
                cell = "n/a"
            if failed:
                cell += f", {failed} failed"
            cells.append(cell)
            logins += [s.logins / n for s in samples if s.ok]
        per_host = f"{statistics.median(logins):.2f}" if logins else "n/a"
        out.append(f"| {tool.label} | " + " | ".join(cells) + f" | {per_host} |")
    out += ["", "| CPU seconds, median: the tool / the fleet's hosts / the whole machine | "]
    out[-1] += " | ".join(f"N={n}" for n in sizes) + " |"
    out.append("|---|" + "---|" * len(sizes))
    for tool in tools:
        cells = []
        for n in sizes:
            ok = results.ok(n, tool.key)
            if ok:
                client = statistics.median(s.client_cpu for s in ok)
                machine = statistics.median(s.machine_cpu for s in ok)
                hosts = [s.hosts_cpu for s in ok if s.hosts_cpu is not None]
                counted = f"{statistics.median(hosts):.2f}" if hosts else "–"
                cells.append(f"{client:.2f} / {counted} / {machine:.2f}")
            else:
                cells.append("n/a")
        out.append(f"| {tool.label} | " + " | ".join(cells) + " |")
    busy = [s.busy_before for samples in results.samples.values() for s in samples]
    if busy:
        out += [
            "",
            "CPU busy (all cores) in the 0.5 s before each run: median"
            f" {statistics.median(busy):.0%}, max {max(busy):.0%}.",
        ]
    out += ["", "| ratio (paired, median over rounds) | "]
    out[-1] += " | ".join(f"N={n}" for n in sizes) + " | target |"
    out.append("|---|" + "---|" * len(sizes) + "---|")
    for target in TARGETS:
        cells = [ratio_cell(results, n, target) for n in sizes]
        if target.limit is None:
            limit = "—"
        else:
            at = f" at {', '.join(map(str, target.at))}" if target.at else ""
            limit = f"≤ {target.limit:g}{at}"
        out.append(f"| {target.label} | " + " | ".join(cells) + f" | {limit} |")
    return "\n".join(out)


# --- the machine ----------------------------------------------------------------------


def _first(path: str, key: str) -> str:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[-1].split("=", 1)[-1].strip().strip('"')
    return "?"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _output(argv: list[str], env: dict[str, str] | None = None) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    return (out.stdout + out.stderr).strip().splitlines()[0] if out.stdout + out.stderr else "?"


def machine(console_src: Path | None, console: str, env: dict[str, str]) -> str:
    """The machine, the versions and the load, as markdown bullet lines."""
    mem_kb = int(_first("/proc/meminfo", "MemTotal").split()[0] or 0)
    head = _output(["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "-C", str(BENCH.parent), "status", "--porcelain", "--", "console"])
    source = console_src or "the installed package (editable: the work tree)"
    lines = [
        f"- CPU: {os.cpu_count()} × {_first('/proc/cpuinfo', 'model name')}",
        f"- memory: {mem_kb / 1024 / 1024:.1f} GiB",
        f"- OS: {_first('/etc/os-release', 'PRETTY_NAME')} (Debian "
        f"{Path('/etc/debian_version').read_text().strip()}), kernel {os.uname().release}",
        f"- Python {sys.version.split()[0]}, asyncssh {_version('asyncssh')}, "
        f"ansible-core {_version('ansible-core')}, parallel-ssh {_version('parallel-ssh')} "
        f"(ssh2-python {_version('ssh2-python')}), pydantic {_version('pydantic')}",
        f"- {_output(['ssh', '-V'])}",
        f"- {_output([console, '--version'], env)} imported from {source}; "
        f"the work tree is at {head}{', console/ edited' if dirty != '?' else ''}",
        f"- load average at the start: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}",
    ]
    return "\n".join(lines)
