"""Fan-out benchmark: rollback-console against Ansible, parallel-ssh and bare asyncssh.

    python bench/fanout.py --hosts 50 200 --rounds 5

Starts max(--hosts) real OpenSSH sshd on loopback ports (bench/sshd_config,
logging in as the dedicated ``rbtest`` account of tests/sshd.py) and times whole
processes, wall clock, running ``true`` on every host:

  exec         rollback-console exec --systems bench 'true'
  ansible      ansible all -i INVENTORY -m command -a true -f N
  pssh         parallel-ssh ParallelSSHClient(pool_size=N), run_command('true'), join
  gather       minimal asyncssh gather, no handshake cap
  gather-cap   the same, at most --cap handshakes at once (default 10)
  gather-5     the same, no cap, then 4 more gathers of `true` on the same connections
  run-1        rollback-console run, a procedure of 1 remote step
  run-5        rollback-console run, a procedure of 5 remote steps (4 commands + strategy)

Each round runs every tool once, in an order rotated by one each round, so
drift (CPU frequency, page cache, sshd state) hits every tool alike.  One
untimed warm-up round comes first.  Between runs the benchmark waits until
sshd serves no connection.  Every loop is bounded; every sshd is stopped at
the end, also on Ctrl+C.  This is a benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import fleet as fleetlib

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / "peers"
BIN = Path(sys.executable).parent
TAIL = 1500


def tool_path(name: str) -> str:
    """The real console script beside this Python (not a pyenv shim, which adds ~100 ms)."""
    beside = BIN / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


@dataclass
class Tool:
    key: str
    label: str
    argv: Callable[[int], list[str]]
    before: Callable[[int, int], dict[str, str]] = lambda n, r: {}
    after: Callable[[], None] = lambda: None


@dataclass
class Sample:
    seconds: float
    ok: bool
    logins: int
    busy_before: float = 0.0  # share of both CPUs busy just before the run
    client_cpu: float = 0.0  # user + system seconds of the timed process and its children
    machine_cpu: float = 0.0  # busy CPU seconds of the whole machine (all cores) during the run


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot; busy is all but idle and iowait."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def cpu_busy(interval: float = 0.5) -> float:
    """Share of all CPUs busy over ``interval``."""
    busy0, total0 = cpu_ticks()
    time.sleep(interval)
    busy1, total1 = cpu_ticks()
    return (busy1 - busy0) / max(1, total1 - total0)


def wait_quiet(below: float, patience: float) -> float:
    """Wait (at most ``patience`` s) until other work leaves the CPUs; returns the share.

    Other sessions may share this machine: a run that starts while a test suite
    eats a core measures the suite.  The share seen is kept with each sample.
    """
    busy = cpu_busy()
    deadline = time.monotonic() + patience
    warned = False
    for _ in range(int(patience / 0.5) + 1):
        if busy < below or time.monotonic() > deadline:
            break
        if not warned:
            print(f"    waiting for a quiet machine ({busy:.0%} busy) ...", flush=True)
            warned = True
        busy = cpu_busy()
    return busy


@dataclass
class Results:
    samples: dict[tuple[int, str], list[Sample]] = field(default_factory=dict)

    def add(self, n: int, key: str, sample: Sample) -> None:
        self.samples.setdefault((n, key), []).append(sample)

    def times(self, n: int, key: str) -> list[float]:
        return [s.seconds for s in self.samples.get((n, key), []) if s.ok]

    def median(self, n: int, key: str) -> float | None:
        times = self.times(n, key)
        return statistics.median(times) if times else None


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True)
        self.state = workdir / "state"
        self.fleet: fleetlib.Fleet | None = None
        self.child: subprocess.Popen | None = None
        self.control_dir: Path | None = None
        self.console = tool_path("rollback-console")
        self.env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
        self.env["ROLLBACK_CONSOLE_STATE"] = str(self.state)
        self.env.pop("ROLLBACK_CONSOLE_CONFIG", None)
        # Every tool imports from cached bytecode, as an installed package does: an
        # editable install under PYTHONDONTWRITEBYTECODE=1 (as on these machines)
        # would otherwise compile the console from source in every run.  The cache
        # lives in the work dir and is filled by the warm-up round.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
        if args.console_src:
            # Import the console from a snapshot (e.g. `git archive HEAD console`),
            # so that edits in the work tree during a long run change nothing.
            path = [str(args.console_src.resolve()), self.env.get("PYTHONPATH", "")]
            self.env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
        self.results = Results()
        self.exec_config_after: bool = False
        self.machine = ""

    # -- setup ------------------------------------------------------------------

    def setup(self) -> None:
        self.machine = machine(self)  # before the run: HEAD may move during it
        sizes = sorted(set(self.args.hosts))
        started = time.monotonic()
        print(f"starting {max(sizes)} sshd on loopback ...", flush=True)
        self.fleet = fleetlib.start_fleet(self.workdir / "fleet", max(sizes))
        print(f"  {len(self.fleet.servers)} sshd up in {time.monotonic() - started:.1f} s")
        for n in sizes:
            fleetlib.write_fleet_json(self.workdir / f"fleet-{n}.json", self.fleet, n)
            fleetlib.write_ansible_inventory(self.workdir / f"ansible-{n}.ini", self.fleet, n)
            for steps in (1, 5):
                directory = fleetlib.write_console_config(
                    self.config_dir(n, steps),
                    self.fleet,
                    n,
                    command_steps=steps - 1,
                    max_handshakes=self.args.max_handshakes,
                    max_commands=self.args.max_commands,
                )
                print("  " + fleetlib.check_console_config(directory, self.env, self.console))

    def config_dir(self, n: int, steps: int) -> Path:
        return self.workdir / f"console-{n}-{steps}step"

    def exec_available(self) -> bool:
        out = subprocess.run(
            [self.console, "exec", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env,
        )
        self.exec_config_after = "--config" in out.stdout
        return out.returncode == 0

    # -- the tools ----------------------------------------------------------------

    def tools(self) -> list[Tool]:
        py = sys.executable
        fleet_json = lambda n: str(self.workdir / f"fleet-{n}.json")  # noqa: E731

        def console(n: int, command: list[str], steps: int = 1) -> list[str]:
            config = ["--config", str(self.config_dir(n, steps))]
            if command[0] == "exec" and self.exec_config_after:
                return [self.console, command[0], *config, *command[1:]]
            return [self.console, *config, *command]

        run = ["run", "--systems", "bench", "--strategy", "noop"]
        run += ["--trigger", "stakeholder-decision", "--reason", "bench", "--yes"]
        tools = [
            Tool("exec", "(a) rollback-console exec", lambda n: console(n, self.exec_argv())),
            Tool(
                "ansible",
                "(b) ansible -m command -f N",
                lambda n: [
                    tool_path("ansible"),
                    "all",
                    "-i",
                    str(self.workdir / f"ansible-{n}.ini"),
                    "-m",
                    "command",
                    "-a",
                    "true",
                    "-f",
                    str(n),
                ],
                before=self.ansible_before,
                after=self.ansible_after,
            ),
            Tool(
                "pssh",
                "(c) parallel-ssh",
                lambda n: [py, str(PEERS / "pssh_run.py"), fleet_json(n)],
            ),
            Tool(
                "gather",
                "(d) asyncssh gather, no cap",
                lambda n: [py, str(PEERS / "asyncssh_gather.py"), fleet_json(n)],
            ),
            Tool(
                "gather-cap",
                f"(d) asyncssh gather, cap {self.args.cap}",
                lambda n: [
                    py,
                    str(PEERS / "asyncssh_gather.py"),
                    fleet_json(n),
                    "--cap",
                    str(self.args.cap),
                ],
            ),
            Tool(
                "gather-5",
                "(d) asyncssh gather, 5 steps, same connections",
                lambda n: [py, str(PEERS / "asyncssh_gather.py"), fleet_json(n), "--steps", "5"],
            ),
            Tool("run-1", "(e) rollback-console run, 1 step", lambda n: console(n, run, 1)),
            Tool("run-5", "(e) rollback-console run, 5 steps", lambda n: console(n, run, 5)),
        ]
        return [t for t in tools if t.key in self.args.tools]

    @staticmethod
    def exec_argv() -> list[str]:
        return ["exec", "--systems", "bench", "true"]

    def ansible_before(self, n: int, round_no: int) -> dict[str, str]:
        # Ansible's own default is ControlMaster=auto, ControlPersist=60s: a master
        # left from the previous run would make this one warm.  A fresh control
        # dir per run keeps every run cold, like every other tool's.
        self.control_dir = Path(tempfile.mkdtemp(prefix="cp-", dir=self.workdir))
        return {"ANSIBLE_SSH_CONTROL_PATH_DIR": str(self.control_dir)}

    def ansible_after(self) -> None:
        """Close the ControlPersist masters this run left, by their control sockets."""
        if self.control_dir is None:
            return
        sockets = [p for p in self.control_dir.iterdir() if p.is_socket()]
        for start in range(0, len(sockets), 50):
            procs = [
                subprocess.Popen(
                    ["ssh", "-O", "exit", "-o", f"ControlPath={sock}", "bench"],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for sock in sockets[start : start + 50]
            ]
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        shutil.rmtree(self.control_dir, ignore_errors=True)
        self.control_dir = None

    # -- timing -------------------------------------------------------------------

    def time_one(self, tool: Tool, n: int, round_no: int) -> Sample:
        assert self.fleet is not None
        busy_before = wait_quiet(self.args.quiet_below, self.args.quiet_wait)
        env = {**self.env, **tool.before(n, round_no)}
        tag = f"{n}-{tool.key}-r{round_no}"
        log_path = self.logs / f"{tag}.log"
        self.fleet.logins()  # reset the counter
        machine_cpu = cpu_ticks()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(log_path, "wb") as log:
            started = time.perf_counter()
            self.child = subprocess.Popen(
                tool.argv(n),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.workdir,
                start_new_session=True,
            )
            try:
                code = self.child.wait(timeout=self.args.timeout)
            except subprocess.TimeoutExpired:
                self.kill_child()
                code = None
            seconds = time.perf_counter() - started
            machine_cpu = (cpu_ticks()[0] - machine_cpu) / os.sysconf("SC_CLK_TCK")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            client_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            self.child = None
        tool.after()
        busy = self.fleet.wait_idle()
        logins = self.fleet.logins()
        ok = code == 0
        if not ok:
            tail = log_path.read_bytes()[-TAIL:].decode(errors="replace")
            why = "timed out" if code is None else f"exit {code}"
            print(f"    {tag}: {why} after {seconds:.2f} s; log {log_path}:\n{tail}", flush=True)
        if busy:
            print(f"    {tag}: {busy} sshd session(s) still open after the run", flush=True)
        if self.args.settle:
            time.sleep(self.args.settle)
        return Sample(
            seconds, ok, logins, round(busy_before, 3), round(client_cpu, 3), round(machine_cpu, 3)
        )

    def kill_child(self) -> None:
        child = self.child
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # its own session, started above
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=10)

    def run(self) -> Results:
        tools = self.tools()
        for n in sorted(set(self.args.hosts)):
            for warm in range(self.args.warmup):
                print(f"N={n}: warm-up {warm + 1}", flush=True)
                for tool in tools:
                    self.time_one(tool, n, -1 - warm)
            for round_no in range(self.args.rounds):
                shift = round_no % len(tools)
                order = tools[shift:] + tools[:shift]
                line = []
                for tool in order:
                    sample = self.time_one(tool, n, round_no)
                    self.results.add(n, tool.key, sample)
                    mark = "" if sample.ok else "!"
                    line.append(f"{tool.key} {sample.seconds:.2f}{mark}")
                print(f"N={n} round {round_no + 1}: " + ", ".join(line), flush=True)
        return self.results

    def close(self) -> None:
        self.kill_child()
        with contextlib.suppress(Exception):
            self.ansible_after()
        if self.fleet is not None:
            self.fleet.stop()
            self.fleet = None


# --- the report ----------------------------------------------------------------


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


def machine(bench: Bench) -> str:
    """The machine and the versions, as markdown bullet lines."""
    mem_kb = int(_first("/proc/meminfo", "MemTotal").split()[0] or 0)
    head = _output(["git", "-C", str(BENCH.parent), "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "-C", str(BENCH.parent), "status", "--porcelain", "--", "console"])
    source = bench.args.console_src or "the installed package (editable: the work tree)"
    lines = [
        f"- CPU: {os.cpu_count()} × {_first('/proc/cpuinfo', 'model name')}",
        f"- memory: {mem_kb / 1024 / 1024:.1f} GiB",
        f"- OS: {_first('/etc/os-release', 'PRETTY_NAME')} (Debian "
        f"{Path('/etc/debian_version').read_text().strip()}), kernel {os.uname().release}",
        f"- Python {sys.version.split()[0]}, asyncssh {_version('asyncssh')}, "
        f"ansible-core {_version('ansible-core')}, parallel-ssh {_version('parallel-ssh')} "
        f"(ssh2-python {_version('ssh2-python')}), pydantic {_version('pydantic')}",
        f"- {_output(['ssh', '-V'])}",
        f"- {_output([bench.console, '--version'], bench.env)} imported from {source}; "
        f"the work tree is at {head}{', console/ edited' if dirty != '?' else ''}",
    ]
    return "\n".join(lines)


TARGETS = [
    # (label, numerator, denominators (the faster one counts), limit, strict)
    ("(a) / faster (d)", "exec", ("gather", "gather-cap"), 1.10, False),
    ("(a) / (d) capped", "exec", ("gather-cap",), None, False),
    ("(a) / (d) no cap", "exec", ("gather",), None, False),
    ("(a) / (b) Ansible", "exec", ("ansible",), 0.12, False),
    ("(a) / (c) parallel-ssh", "exec", ("pssh",), 1.0, True),
    ("5 steps / 1 step", "run-5", ("run-1",), 1.6, False),
    ("floor: (d) 5 steps / 1 step", "gather-5", ("gather",), None, False),
]


def report(results: Results, tools: list[Tool], sizes: list[int]) -> str:
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
    out += [
        "",
        "| CPU seconds, median: the tool / the whole machine | "
        + " | ".join(f"N={n}" for n in sizes),
    ]
    out[-1] += " |"
    out.append("|---|" + "---|" * len(sizes))
    for tool in tools:
        cells = []
        for n in sizes:
            ok = [s for s in results.samples.get((n, tool.key), []) if s.ok]
            if ok:
                client = statistics.median(s.client_cpu for s in ok)
                machine = statistics.median(s.machine_cpu for s in ok)
                cells.append(f"{client:.2f} / {machine:.2f}")
            else:
                cells.append("n/a")
        out.append(f"| {tool.label} | " + " | ".join(cells) + " |")
    busy = [s.busy_before for samples in results.samples.values() for s in samples]
    if busy:
        out += [
            "",
            f"CPU busy (all cores) in the 0.5 s before each run: median {statistics.median(busy):.0%},"
            f" max {max(busy):.0%}.",
        ]
    out += ["", "| ratio (medians) | " + " | ".join(f"N={n}" for n in sizes) + " | target |"]
    out.append("|---|" + "---|" * len(sizes) + "---|")
    for label, num, dens, limit, strict in TARGETS:
        cells = []
        for n in sizes:
            top = results.median(n, num)
            bottoms = [m for d in dens if (m := results.median(n, d)) is not None]
            if top is None or not bottoms:
                cells.append("n/a")
                continue
            ratio = top / min(bottoms)
            if limit is None:
                cells.append(f"{ratio:.2f}")
            else:
                met = ratio < limit if strict else ratio <= limit
                cells.append(f"{ratio:.2f} {'met' if met else 'MISSED'}")
        target = "—" if limit is None else (f"< {limit:g}" if strict else f"≤ {limit:g}")
        out.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    keys = ["exec", "ansible", "pssh", "gather", "gather-cap", "gather-5", "run-1", "run-5"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[50, 200], metavar="N")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--tools", nargs="+", default=keys, choices=keys, metavar="TOOL")
    parser.add_argument("--cap", type=int, default=10, help="handshake cap of gather-cap")
    parser.add_argument("--max-handshakes", type=int, default=50, help="console inventory")
    parser.add_argument("--max-commands", type=int, default=64, help="console inventory")
    parser.add_argument("--timeout", type=float, default=600.0, help="per run, seconds")
    parser.add_argument("--settle", type=float, default=0.2, help="pause between runs, s")
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=0.10,
        metavar="SHARE",
        help="before each run, wait until the CPUs are less busy than this (0..1)",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=120.0, metavar="SECONDS", help="wait at most this"
    )
    parser.add_argument(
        "--wait-exec",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="poll this long for `rollback-console exec` to exist",
    )
    parser.add_argument(
        "--console-src",
        type=Path,
        metavar="DIR",
        help="import the console package from DIR (a snapshot) instead of the installed one",
    )
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, configs)")
    args = parser.parse_args(argv)
    if min(args.hosts) < 1 or args.rounds < 1 or args.cap < 1:
        parser.error("--hosts, --rounds and --cap must be positive")
    return args


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="rc-bench-"))
    bench = Bench(args, workdir)
    try:
        if "exec" in args.tools and not wait_for_exec(bench, args.wait_exec):
            print("`rollback-console exec` does not exist yet: (a) left out", file=sys.stderr)
            args.tools = [t for t in args.tools if t != "exec"]
        bench.setup()
        results = bench.run()
        sizes = sorted(set(args.hosts))
        print()
        print(bench.machine)
        print()
        print(report(results, bench.tools(), sizes))
        if args.json:
            data = [
                {"hosts": n, "tool": key, **vars(s)}
                for (n, key), samples in results.samples.items()
                for s in samples
            ]
            args.json.write_text(json.dumps(data, indent=1))
        return 0
    except KeyboardInterrupt:
        print("interrupted: stopping every sshd", file=sys.stderr)
        return 130
    finally:
        bench.close()
        if args.keep:
            print(f"work dir kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def wait_for_exec(bench: Bench, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    for _ in range(int(seconds / 30) + 1):
        if bench.exec_available():
            return True
        if time.monotonic() + 30 > deadline:
            break
        print("waiting for `rollback-console exec` ...", flush=True)
        time.sleep(30)
    return bench.exec_available()


if __name__ == "__main__":
    sys.exit(main())
