"""Start-up benchmark: how long the console takes before it does anything useful.

    python bench/startup.py --rounds 10
    python bench/startup.py --console-src /tmp/snap --instructions   # + callgrind counts

Times whole processes, interleaved (one of each per round, the order rotated), and
reports the median wall clock and CPU (getrusage of the child) of:

  python       `python -c pass`: the interpreter and this machine's site hooks
  version      `rollback-console --version`                     (target <= 0.15 s)
  help         `rollback-console --help`                        (target <= 0.15 s)
  exec         `rollback-console exec` from spawn to its first TCP connection attempt,
               on a one-host configuration whose host is a socket this script listens
               on (accepted, then closed: the console reports it and exits)
                                                                (target <= 0.35 s)
  floor        the fair asyncssh floor (bench/peers/asyncssh_gather.py: python, asyncssh,
               its options built once) from spawn to its first connection attempt, on
               the same host: what exec's start-up costs at the least
  demo         `rollback-console demo` in an 80x24 pseudo-terminal, from spawn to the
               first full frame of the home screen (pyte emulates the terminal; a frame
               is full when every line drawn on the settled screen is drawn, whatever
               the probes show by then: the demo's automatic trigger fires after three
               samples and its countdown banner, seconds later, is not the first frame)
                                                                       (target <= 1.0 s)

`--instructions` also counts each command's instructions with valgrind's callgrind
(independent of other load): `python -c pass`, `--version`, `--help`, and `demo` to its
first full frame (`first_paint.py` ends it there: the first write that paints every row),
its main thread's and all its threads', and exec and the floor to their first connection
attempt (callgrind's dump at the first `socket.connect`) and to their exit, their one
host's port closed (the connection refused, reported, and the process ends); exec's both
on a hit of the validated-configuration cache, as the timed rounds run (an untimed exec
writes it first: a miss costs ~470 M more).
A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import fleet as fleetlib
import pyte

BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
COLUMNS, LINES = 80, 24
DEMO_SETTLE = 6.0  # seconds the demo runs past its first output; then its screen is "full"
START_LIMIT = 120.0
TARGETS = {"version": 0.15, "help": 0.15, "exec": 0.35, "demo": 1.0}


def console_path() -> str:
    beside = BIN / "rollback-console"
    return str(beside) if beside.exists() else (shutil.which("rollback-console") or "")


@dataclass
class Sample:
    seconds: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_process(argv: list[str], env: dict[str, str]) -> Sample:
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True, timeout=60)
    return Sample(time.perf_counter() - started, _children_cpu() - cpu)


class OneHost:
    """A one-host configuration for the console and the same host in a fleet file for the
    floor, the host at `port` on loopback."""

    def __init__(self, workdir: Path, key: Path, port: int):
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "known_hosts").write_text("")
        fake = _OneHost(key, workdir / "known_hosts", port)
        self.config = fleetlib.write_console_config(
            workdir / "exec-config", fake, 1, command_steps=0, max_handshakes=50, max_commands=64
        )
        self.fleet = fleetlib.write_fleet_json(workdir / "fleet.json", fake, 1)

    def exec_argv(self, console: str) -> list[str]:
        return [console, "exec", "--config", str(self.config), "--systems", "bench", "true"]

    def floor_argv(self) -> list[str]:
        return [sys.executable, str(HERE / "peers" / "asyncssh_gather.py"), str(self.fleet)]


def client_key(workdir: Path) -> Path:
    key = workdir / "client_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return key


def closed_port() -> int:
    """A loopback port nothing listens on (a connection to it is refused at once)."""
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        return spare.getsockname()[1]


class ExecProbe(OneHost):
    """The one host is a socket here: a process's first connection attempt is the moment
    `accept` returns (then it is closed: the process reports the host and exits)."""

    def __init__(self, workdir: Path, key: Path):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        super().__init__(workdir, key, self.listener.getsockname()[1])

    def measure(self, argv: list[str], env: dict[str, str]) -> Sample:
        cpu = _children_cpu()
        started = time.perf_counter()
        child = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            self.listener.settimeout(60)
            conn, _ = self.listener.accept()
            seconds = time.perf_counter() - started
            conn.close()  # the process says the host is unreachable, and exits
            child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        return Sample(seconds, _children_cpu() - cpu)


@dataclass
class _OneHost:
    """What fleet.write_console_config reads of a Fleet, for one host on `port`."""

    client_key: Path
    known_hosts: Path
    port: int
    user: str = "nobody"

    def hosts(self, count: int) -> list[tuple[str, str, int]]:
        return [("h0001", "127.0.0.1", self.port)]


def _screen_lines(screen: pyte.Screen) -> list[str]:
    return [line.rstrip() for line in screen.display]


def demo_first_frame(console: str, env: dict[str, str], settle: float) -> Sample:
    """Spawn the demo on an 80x24 pty; the first moment its screen has every line the
    settled screen has (the home screen's whole layout, probe values or not)."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    frames: list[tuple[float, list[str]]] = []
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, in the pty
        os.execve(console, [console, "demo"], {**env, "TERM": "xterm-256color"})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    cpu = _children_cpu()
    started = time.perf_counter()
    try:
        deadline = started + START_LIMIT
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    stream.feed(os.read(fd, 65536))
                    frames.append((time.perf_counter() - started, _screen_lines(screen)))
                    if len(frames) == 1:  # it runs `settle` seconds past its first output
                        deadline = time.perf_counter() + settle
    finally:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            with contextlib.suppress(OSError):
                os.read(fd, 65536)
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    cpu = _children_cpu() - cpu
    if not frames:
        raise RuntimeError("the demo printed nothing")
    final = frames[-1][1]
    drawn = [i for i, line in enumerate(final) if line]

    def full(lines: list[str]) -> bool:
        return all(lines[i] for i in drawn)

    first = next((t for t, lines in frames if full(lines)), None)
    if first is None or len(drawn) < LINES // 2:
        shown = "\n".join(final)
        raise RuntimeError(f"no full frame ({len(drawn)} lines drawn at the end):\n{shown}")
    return Sample(first, cpu)


def callgrind_instructions(
    argv: list[str], env: dict[str, str], workdir: Path, to_connect: bool = False
) -> int:
    """The instructions of `argv` to its exit; with `to_connect`, to its first socket
    connect (the entry of `socket.connect`'s C function: a dump there, the first one read)."""
    out = workdir / "callgrind.out"
    for stale in workdir.glob("callgrind.out*"):  # an earlier command's dumps
        stale.unlink()
    dump = ["--dump-before=sock_connect"] if to_connect else []
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *dump, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    match = re.search(r"Collected : (\d+)", run.stderr)
    if not match:
        raise RuntimeError(f"callgrind: {run.stderr[-500:]}")
    if to_connect:
        first = Path(f"{out}.1")
        if not first.exists():
            raise RuntimeError(f"callgrind: no dump at a connect in {workdir}")
        return _callgrind_total(first)
    return int(match[1])


def _callgrind_total(path: Path) -> int:
    match = re.search(r"^summary: (\d+)", path.read_text(), re.MULTILINE)
    return int(match[1]) if match else 0


def demo_instructions(env: dict[str, str], workdir: Path) -> tuple[int, int]:
    """callgrind of `demo` in an 80x24 pty up to its first full frame: the instructions
    of its main thread, and of all its threads."""
    out = demo_instructions_in(env, workdir, [str(HERE / "first_paint.py"), "demo"])
    threads = sorted(out.glob("cg.*-*"))
    main_thread = next(p for p in threads if p.name.endswith("-01"))
    return _callgrind_total(main_thread), sum(_callgrind_total(p) for p in threads)


def demo_instructions_in(
    env: dict[str, str], workdir: Path, script: list[str], options: list[str] | None = None
) -> Path:
    """Run `python SCRIPT...` (a console ended at its first full frame) under callgrind,
    with `options`, in an 80x24 pty; the directory of its dumps, one file per thread."""
    out = Path(tempfile.mkdtemp(prefix="demo-callgrind-", dir=workdir))
    argv = [
        "valgrind",
        "--tool=callgrind",
        "--separate-threads=yes",
        *(options or []),
        f"--callgrind-out-file={out}/cg.%p",
        sys.executable,
        *script,
    ]
    pid, fd = pty.fork()
    if pid == 0:  # the child: valgrind, the console under it, in the pty
        os.execvpe("valgrind", argv, {**env, "TERM": "xterm-256color"})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    deadline = time.perf_counter() + 30 * START_LIMIT  # valgrind is ~50x slower
    try:
        while time.perf_counter() < deadline:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:  # the child is gone
                    break
            if os.waitpid(pid, os.WNOHANG)[0]:
                pid = 0
                break
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    if not any(out.glob("cg.*-*")):
        raise RuntimeError(f"callgrind wrote nothing in {out}")
    return out


def _against_floor(exec_: list[Sample], floor: list[Sample]) -> str:
    """exec's start-up against the floor's: medians of the paired rounds' ratios."""
    wall = statistics.median(e.seconds / f.seconds for e, f in zip(exec_, floor, strict=True))
    cpu = statistics.median(e.cpu / f.cpu for e, f in zip(exec_, floor, strict=True))
    floor_wall = statistics.median(f.seconds for f in floor)
    return (
        f"exec / floor to the first connection attempt (median of the rounds' ratios):"
        f" wall {wall:.2f}x, CPU {cpu:.2f}x; the target {TARGETS['exec']:g} s is"
        f" {TARGETS['exec'] / floor_wall:.2f}x the floor's median {floor_wall:.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--console-src", type=Path, metavar="DIR")
    parser.add_argument("--parts", nargs="+", default=["python", "floor", *TARGETS])
    parser.add_argument("--instructions", action="store_true", help="also count with callgrind")
    parser.add_argument("--settle", type=float, default=DEMO_SETTLE)
    args = parser.parse_args(argv)
    console = console_path()
    workdir = Path(tempfile.mkdtemp(prefix="rc-startup-"))
    env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK",)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")  # as an installed wheel has
    env["ROLLBACK_CONSOLE_STATE"] = str(workdir / "state")
    env.pop("ROLLBACK_CONSOLE_CONFIG", None)
    if args.console_src:
        env["PYTHONPATH"] = str(args.console_src.resolve())
    try:
        client = client_key(workdir)
        probe = ExecProbe(workdir / "listening", client)
        parts = {
            "python": lambda: time_process([sys.executable, "-c", "pass"], env),
            "version": lambda: time_process([console, "--version"], env),
            "help": lambda: time_process([console, "--help"], env),
            "exec": lambda: probe.measure(probe.exec_argv(console), env),
            "floor": lambda: probe.measure(probe.floor_argv(), env),
            "demo": lambda: demo_first_frame(console, env, args.settle),
        }
        parts = {k: v for k, v in parts.items() if k in args.parts}
        for run in parts.values():  # warm-up: fills the bytecode cache
            run()
        samples: dict[str, list[Sample]] = {k: [] for k in parts}
        keys = list(parts)
        for round_no in range(args.rounds):
            shift = round_no % len(keys)
            for key in keys[shift:] + keys[:shift]:
                samples[key].append(parts[key]())
            print(
                f"round {round_no + 1}: "
                + ", ".join(f"{k} {samples[k][-1].seconds:.3f}" for k in keys),
                flush=True,
            )
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(f"\nload average at the end: {load}\n")
        print("| part | wall, median (min–max) s | CPU, median s | target | verdict |")
        print("|---|---|---|---|---|")
        for key, found in samples.items():
            wall = [s.seconds for s in found]
            median = statistics.median(wall)
            limit = TARGETS.get(key)
            verdict = "—" if limit is None else ("met" if median <= limit else "MISSED")
            print(
                f"| {key} | {median:.3f} ({min(wall):.3f}–{max(wall):.3f}) |"
                f" {statistics.median(s.cpu for s in found):.3f} |"
                f" {'—' if limit is None else f'≤ {limit:g}'} | {verdict} |"
            )
        if "exec" in samples and "floor" in samples:
            print(f"\n{_against_floor(samples['exec'], samples['floor'])}")
        if args.instructions:
            print("\n| command | instructions (callgrind) |\n|---|---|")
            for key, command in (
                ("python", [sys.executable, "-c", "pass"]),
                ("version", [console, "--version"]),
                ("help", [console, "--help"]),
            ):
                if key in parts:
                    count = callgrind_instructions(command, env, workdir)
                    print(f"| {key} | {count / 1e6:,.0f} M |")
            refused = OneHost(workdir / "refused", client, closed_port())
            if "exec" in parts:  # both counts below on a hit of the validated configuration
                subprocess.run(refused.exec_argv(console), env=env, capture_output=True, timeout=60)
            for key, command in (
                ("floor", refused.floor_argv()),
                ("exec", refused.exec_argv(console)),
            ):
                if key in parts:
                    first = callgrind_instructions(command, env, workdir, to_connect=True)
                    count = callgrind_instructions(command, env, workdir)
                    print(
                        f"| {key} to its first connection attempt, its one host refusing |"
                        f" {first / 1e6:,.0f} M |"
                    )
                    print(f"| {key} to its exit, its one host refusing | {count / 1e6:,.0f} M |")
            if "demo" in parts:
                main_thread, every = demo_instructions(env, workdir)
                print(f"| demo to its first full frame, main thread | {main_thread / 1e6:,.0f} M |")
                print(f"| demo to its first full frame, all threads | {every / 1e6:,.0f} M |")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
