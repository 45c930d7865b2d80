"""The execution screen's first show as a step starts, without a fleet: the UI loop's turns.

    python bench/first_show.py                    # 200 hosts selected, 200x50, 3 rounds
    python bench/first_show.py --hosts 1000 --rounds 5

The real app (make_app, headless) opens an incident on `--hosts` hosts, waits until it is
idle, then shows the execution screen for the step `bench/ui.py` runs, as the step's start
does, but runs nothing: no host is dialled, so the figures are the console's own and the
machine's other load changes them less than `bench/ui.py --turns` (whose fleet shares the
cores). For the second after the show, every turn of the UI thread's loop longer than
`--over` ms of CPU is printed with what it spent rendering (by widget class: Textual's
`render_lines`, outermost call) and laying out (the compositor's `reflow`). A benchmark,
not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def first_show(hosts: int, over_ms: float) -> ShowTurns:
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
            turns = ShowTurns(over_ms)
            turns.start()
            app.exec_step = STEP  # as Stepping._go_run does, without running the step
            app.action_go("execution")
            await asyncio.sleep(1.0)
            turns.stop()
        conductor.recorder.close()
        await engine.close()
    return turns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--over", type=float, default=9.0, help="turns over this many ms")
    args = parser.parse_args()
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
