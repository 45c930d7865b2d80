"""Fan-out benchmark: rollback-console against Ansible, parallel-ssh and bare asyncssh.

    python bench/fanout.py --hosts 50 200 --rounds 5

Starts a fleet of max(--hosts) real OpenSSH hosts on loopback ports (bench/fleet.py:
16 ports per sshd process, bench/sshd_config, logging in as the dedicated ``rbtest``
account of tests/sshd.py) and times whole processes, wall clock and CPU, running
``true`` on every host:

  exec         rollback-console exec --systems bench 'true'
  ansible      ansible all -i INVENTORY -m command -a true -f N
  ansible-raw  ansible all -i INVENTORY -m raw -a true -f N (no Python on the host)
  pssh         parallel-ssh ParallelSSHClient(pool_size=N), run_command('true'), join
  gather       the fair asyncssh floor: options built once (key loaded, known_hosts
               parsed once), connect to all, run `true`, close; no handshake cap
  gather-cap   the same, at most --cap handshakes at once (default 10)
  gather-5     the same, no cap, then 4 more gathers of `true` on the same connections
               (the floors offer the console's ciphers, AES-GCM first)
  gather-chacha, gather-5-chacha  gather and gather-5 with asyncssh's own cipher order
               (chacha20-poly1305 first), as the floor was before 2026-12-03 16:30 UTC
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
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fleet as fleetlib
from cgroup_cpu import Cgroup
from fanout_report import Results, Sample, machine, report

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
    # What else its log may end with on exit 1 and still have done its work: the bench's
    # procedure has no stability check, so `run` closes it as not verified (exit 1).
    also_ok: bytes | None = None


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
        self.cgroup: Cgroup | None = None  # the fleet's sshd: the hosts' CPU, when root
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
        self.machine = machine(
            self.args.console_src, self.console, self.env
        )  # before the run: HEAD may move during it
        sizes = sorted(set(self.args.hosts))
        started = time.monotonic()
        print(f"starting {max(sizes)} sshd on loopback ...", flush=True)
        self.fleet = fleetlib.start_fleet(self.workdir / "fleet", max(sizes))
        print(f"  {len(self.fleet.servers)} sshd up in {time.monotonic() - started:.1f} s")
        if Cgroup.available():
            self.cgroup = Cgroup(self.workdir.name)
            for server in self.fleet.servers:
                self.cgroup.add(server.process.pid)
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

        chacha = ["--asyncssh-ciphers"]
        run = ["run", "--systems", "bench", "--strategy", "noop"]
        run += ["--trigger", "stakeholder-decision", "--reason", "bench", "--yes"]
        unchecked = {"also_ok": b"NOT VERIFIED: rolled back, not verified: nothing verified it"}
        tools = [
            Tool("exec", "(a) rollback-console exec", lambda n: console(n, self.exec_argv())),
            self.ansible("ansible", "(b) ansible -m command -f N", "command"),
            self.ansible("ansible-raw", "(b) ansible -m raw -f N", "raw"),
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
            Tool(
                "gather-chacha",
                "(d) asyncssh gather, asyncssh's ciphers",
                lambda n: [py, str(PEERS / "asyncssh_gather.py"), fleet_json(n), *chacha],
            ),
            Tool(
                "gather-5-chacha",
                "(d) asyncssh gather, 5 steps, asyncssh's ciphers",
                lambda n: [
                    py,
                    str(PEERS / "asyncssh_gather.py"),
                    fleet_json(n),
                    "--steps",
                    "5",
                    *chacha,
                ],
            ),
            Tool(
                "run-1",
                "(e) rollback-console run, 1 step",
                lambda n: console(n, run, 1),
                **unchecked,
            ),
            Tool(
                "run-5",
                "(e) rollback-console run, 5 steps",
                lambda n: console(n, run, 5),
                **unchecked,
            ),
        ]
        return [t for t in tools if t.key in self.args.tools]

    def ansible(self, key: str, label: str, module: str) -> Tool:
        def argv(n: int) -> list[str]:
            inventory = str(self.workdir / f"ansible-{n}.ini")
            ansible = [tool_path("ansible"), "all", "-i", inventory]
            return [*ansible, "-m", module, "-a", "true", "-f", str(n)]

        return Tool(key, label, argv, before=self.ansible_before, after=self.ansible_after)

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
        hosts_cpu = self.cgroup.seconds() if self.cgroup else 0.0
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
        # The sessions' ends counted too: read once the fleet serves nothing.
        hosts_cpu = self.cgroup.seconds() - hosts_cpu if self.cgroup else None
        logins = self.fleet.logins()
        ok = code == 0
        if code == 1 and tool.also_ok is not None:
            ok = tool.also_ok in log_path.read_bytes()[-TAIL:]
        if not ok:
            tail = log_path.read_bytes()[-TAIL:].decode(errors="replace")
            why = "timed out" if code is None else f"exit {code}"
            print(f"    {tag}: {why} after {seconds:.2f} s; log {log_path}:\n{tail}", flush=True)
        if busy:
            print(f"    {tag}: {busy} sshd session(s) still open after the run", flush=True)
        if self.args.settle:
            time.sleep(self.args.settle)
        return Sample(
            seconds,
            ok,
            logins,
            round(busy_before, 3),
            round(client_cpu, 3),
            round(machine_cpu, 3),
            round_no,
            None if hosts_cpu is None else round(hosts_cpu, 3),
        )

    def kill_child(self) -> None:
        child = self.child
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # its own session, started above
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=10)

    def run(self) -> Results:
        for n in sorted(set(self.args.hosts)):
            tools = [
                t
                for t in self.tools()
                if not (t.key.startswith("ansible") and n > self.args.ansible_max_hosts)
            ]
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
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    keys = ["exec", "ansible", "ansible-raw", "pssh", "gather", "gather-cap", "gather-5"]
    keys += ["gather-chacha", "gather-5-chacha", "run-1", "run-5"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[50, 200], metavar="N")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--tools", nargs="+", default=keys, choices=keys, metavar="TOOL")
    parser.add_argument("--cap", type=int, default=10, help="handshake cap of gather-cap")
    parser.add_argument(
        "--max-handshakes", type=int, help="console inventory (default: the console's own)"
    )
    parser.add_argument(
        "--max-commands", type=int, help="console inventory (default: the console's own)"
    )
    parser.add_argument(
        "--ansible-max-hosts",
        type=int,
        default=200,
        metavar="N",
        help="leave Ansible out of larger fleets (it takes minutes a run at 1,000)",
    )
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
        leave(workdir, args.keep)


def leave(workdir: Path, keep: bool) -> None:
    """The work dir removed, or kept (logs, configs) and said where."""
    if keep:
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
