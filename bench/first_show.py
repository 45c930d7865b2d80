"""The execution screen's first show as a step starts, without a fleet: the UI loop's turns.

    python bench/first_show.py                    # 200 hosts selected, 200x50, 3 rounds
    python bench/first_show.py --hosts 1000 --rounds 5
    python bench/first_show.py --instructions     # each turn's instructions (callgrind)

The real app (make_app, headless) opens an incident on `--hosts` hosts, waits until it is
idle, then shows the execution screen for the step `bench/ui.py` runs, as the step's start
does, but runs nothing: no host is dialled, so the figures are the console's own and the
machine's other load changes them less than `bench/ui.py --turns` (whose fleet shares the
cores). For the second after the show, every turn of the UI thread's loop longer than
`--over` ms of CPU is printed with what it spent rendering (by widget class: Textual's
`render_lines`, outermost call) and laying out (the compositor's `reflow`).

`--instructions` runs one round under valgrind's callgrind instead, which dumps its counts
at every call of `os.getppid`: this script calls it as each turn of the window begins and
ends, and prints the turns over `--over-m` million instructions (callgrind's counts do not
move with the machine's load). Its window ends `--window` seconds (of callgrind's ~50x
slower time) after the footer's keys are composed, the last of the start's long turns.
A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from textual._compositor import Compositor
from textual.widget import Widget
from turns import Turns, turn_name
from ui import STEP, bulk_settings

from console.engine.session import Engine
from console.model.events import Actor
from console.model.triggers import TriggerKind
from console.ui.app import make_app

spent: Counter[str] = Counter()  # CPU s by what: "render <class>", "layout"


def _timed(method, label):
    """`method` timed in the thread's CPU under `label(self)`, outermost calls only."""
    depth = [0]

    def timed(self, *args, **kwargs):
        if depth[0]:
            return method(self, *args, **kwargs)
        depth[0] += 1
        start = time.thread_time()
        try:
            return method(self, *args, **kwargs)
        finally:
            depth[0] -= 1
            spent[label(self)] += time.thread_time() - start

    return timed


class ShowTurns(Turns):
    """Turns, each with what it spent rendering and laying out."""

    def __init__(self, over_ms: float) -> None:
        super().__init__(keep=0)
        self.over = over_ms / 1000
        self.long: list[tuple[float, float, str, dict[str, float]]] = []

    def _time(self, handle: asyncio.Handle, original) -> None:
        before, name = dict(spent), turn_name(handle)
        at, cpu = time.perf_counter() - self._started, time.thread_time()
        original(handle)
        cpu = time.thread_time() - cpu
        self.count += 1
        self.total_cpu += cpu
        if cpu > self.over:
            parts = {k: v - before.get(k, 0.0) for k, v in spent.items()}
            self.long.append((at, cpu, name, {k: v for k, v in parts.items() if v > 0.0005}))


class MarkedTurns(ShowTurns):
    """Turns with a callgrind dump at each one's start and end, its name written to
    `names` (one line a dump: the turn's, or "between" for what ran before it)."""

    def __init__(self, names: int) -> None:
        super().__init__(0.0)
        self.names = names

    def _time(self, handle: asyncio.Handle, original) -> None:
        os.write(self.names, f"{turn_name(handle)}\n".encode())
        os.getppid()
        original(handle)
        os.write(self.names, b"between\n")
        os.getppid()


async def first_show(hosts: int, over_ms: float, window: float = 1.0, names: int = -1) -> ShowTurns:
    settings = bulk_settings(hosts, 1)
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(settings, Path(tmp) / "incidents", actor=Actor(user="bench"))
        app = make_app(settings, engine, sample_probes=False)
        async with app.run_test(headless=True, size=(200, 50)) as pilot:
            conductor = engine.new_incident("bench: first show")
            app.attach(conductor)
            conductor.declare_trigger(TriggerKind.USER_IMPACT, "bench")
            conductor.select(["bulk"])
            await pilot.pause()
            await pilot.pause(0.5)  # idle: what the attach scheduled has run
            turns = ShowTurns(over_ms) if names < 0 else MarkedTurns(names)
            turns.start()
            app.exec_step = STEP  # as Stepping._go_run does, without running the step
            app.action_go("execution")
            if names >= 0:  # under callgrind: from the footer's keys, however slow
                for _ in range(6000):
                    if app.screen.query("FooterKey"):
                        break
                    await asyncio.sleep(0.1)
            await asyncio.sleep(window)
            turns.stop()
        conductor.recorder.close()
        await engine.close()
    return turns


def instructions(hosts: int, window: float, over_m: float) -> None:
    """One round under callgrind: the turns over `over_m` M instructions, and the sum of
    every turn in the window."""
    workdir = Path(tempfile.mkdtemp(prefix="rc-first-show-"))
    names = workdir / "names"
    names.write_text("")
    argv = [
        *("valgrind", "--tool=callgrind", "--separate-threads=yes", "--dump-before=os_getppid"),
        f"--callgrind-out-file={workdir}/cg.%p",
        *(sys.executable, str(Path(__file__).resolve()), "--inner"),
        *(f"--hosts={hosts}", f"--window={window}", f"--names={names}"),
    ]
    subprocess.run(argv, check=True, capture_output=True, timeout=3600)
    dumps = {
        int(m[1]): p for p in workdir.glob("cg.*-01") if (m := re.search(r"\.(\d+)-01$", p.name))
    }
    ended = names.read_text().splitlines()  # dump N + 1 holds what ran up to line N's mark
    total, long = 0, []
    for index, name in enumerate(ended[:-1]):
        if name == "between" or index + 2 not in dumps:
            continue
        count = int(re.search(r"^summary: (\d+)", dumps[index + 2].read_text(), re.M)[1])
        total += count
        if count > over_m * 1e6:
            long.append(f"  {count / 1e6:7.1f} M {name}")
    shutil.rmtree(workdir)
    turns = sum(1 for n in ended if n != "between")
    print(f"{turns} turns, {total / 1e6:,.1f} M instructions in the window's turns")
    print("\n".join(long))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--over", type=float, default=9.0, help="turns over this many ms")
    parser.add_argument("--instructions", action="store_true", help="one round, callgrind")
    parser.add_argument("--over-m", type=float, default=5.0, help="turns over this many M")
    parser.add_argument("--window", type=float, default=20.0, help="s, under callgrind")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--names", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.instructions:
        instructions(args.hosts, args.window, args.over_m)
        return 0
    if args.inner:
        names = os.open(args.names, os.O_WRONLY | os.O_APPEND)
        asyncio.run(first_show(args.hosts, 0.0, args.window, names))
        return 0
    Widget.render_lines = _timed(Widget.render_lines, lambda w: f"render {type(w).__name__}")
    Compositor.reflow = _timed(Compositor.reflow, lambda _: "layout")
    for _ in range(args.rounds):
        turns = asyncio.run(first_show(args.hosts, args.over))
        print(f"{turns.count} turns, {turns.total_cpu * 1000:.0f} ms of CPU in the second")
        for at, cpu, name, parts in turns.long:
            shown = ", ".join(
                f"{k} {v * 1000:.1f}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
            )
            print(f"  {at:5.2f} s {cpu * 1000:5.1f} ms {name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
