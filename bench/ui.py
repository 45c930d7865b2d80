"""UI benchmark: does the console's event loop stall, and how much memory does it take?

    python bench/ui.py                      # both parts, printed
    python bench/ui.py --write              # ... and recorded in bench/HISTORY.md
    python bench/ui.py --part fanout --hosts 200 --lines 1000     # one run
    python bench/ui.py --rounds 5           # fan-out five times; the worst run counts
    python bench/ui.py --part fanout --screen timeline   # another screen open meanwhile
    python bench/ui.py --part timeline --events 100000
    python bench/ui.py --part export --events 100000
    setsid python bench/ui.py --part fanout --fleet sshd --console-autogroup-nice -15
                                            # the console's CPU share before the fleet's

fanout:   the real app (make_app, headless Pilot) runs a command step printing --lines
          lines on --hosts demo hosts, with the execution (or --screen) open. The demo fleet
          runs in a child process, so this process is the console alone.
timeline: --events events (notes and command output) in a journal; the timeline screen
          opens on them, is scrolled, filtered, cleared, and follows 1,000 live events.
export:   the same journal; the export screen opens on it (Markdown), switches to JSON and
          to node, takes 200 live notes (one a loop turn), and writes the document (Ctrl+S).

Each part runs in its own process, so ru_maxrss is that part's peak. A monitor task
sleeps 10 ms in a loop; its worst lateness is the longest event-loop stall. Targets:
stall < 100 ms, peak memory < 300 MB. A benchmark, not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from history import add_section
from turns import Turns

from console.demo.fleet import DemoFleet
from console.engine.session import Engine
from console.journal.recorder import Recorder
from console.model.clock import SystemClock
from console.model.events import Actor, Kind
from console.model.loading import load_settings
from console.model.settings import Settings
from console.model.status import HostStatus, StepStatus
from console.model.triggers import TriggerKind
from console.paths import demo_config
from console.ui.app import make_app

STEP = "capture-evidence"
STALL_TARGET_MS, MEMORY_TARGET_MB = 100, 300
DEADLINE_S = 600
SETTINGS_LIMIT = 64 * 2**20  # the child's settings line; asyncio's default is 64 KiB
LOGIN_S = 60.0
OVER = (StepStatus.DONE, StepStatus.FAILED, StepStatus.SKIPPED)
FLEET_START_S = 900  # a 1,000-host demo fleet makes 1,000 host keys and sandboxes first


class StallMonitor:
    """Sleeps `period` in a loop; records the worst lateness of the wake-ups, and the
    longest garbage-collector pause (one cause of stalls that no profile line shows) with
    the thread's CPU time in it: a pause's wall time also counts the thread waiting for a
    CPU or for the interpreter's lock (the callbacks timing it are Python code)."""

    def __init__(self, period: float = 0.01):
        self.period = period
        self.worst = 0.0
        self.worst_gc = self.worst_gc_cpu = 0.0
        self._gc_start = self._gc_cpu_start = 0.0
        self._task: asyncio.Task | None = None
        self.stall_stacks: dict[str, int] = {}
        self.gc_pauses: dict[str, list[str]] = {}  # pauses > 20 ms, by generation and thread
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start, self._gc_cpu_start = time.perf_counter(), time.thread_time()
        else:
            pause = time.perf_counter() - self._gc_start
            cpu = time.thread_time() - self._gc_cpu_start
            self.worst_gc = max(self.worst_gc, pause)
            self.worst_gc_cpu = max(self.worst_gc_cpu, cpu)
            if pause > 0.02:  # which generation, on which thread, how long (its CPU)
                main = threading.get_ident() == getattr(self, "_main", None)
                key = f"gen{info['generation']} on {'ui' if main else 'other'} thread"
                pauses = self.gc_pauses.setdefault(key, [])
                pauses.append(f"{pause * 1000:.1f} ({cpu * 1000:.1f} CPU)")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self._beat = time.perf_counter()
        self._main = threading.get_ident()
        threading.Thread(target=self._watch, daemon=True).start()
        while True:
            before = loop.time()
            await asyncio.sleep(self.period)
            self._beat = time.perf_counter()
            self.worst = max(self.worst, loop.time() - before - self.period)

    def _watch(self) -> None:
        """A watchdog thread: while the loop is late by more than 50 ms, note where the
        main thread is (`--stacks` prints the places of the stalls)."""
        while self._task is not None and not self._task.done():
            time.sleep(0.01)
            late = time.perf_counter() - self._beat
            frame = sys._current_frames().get(self._main)
            if late > 0.05 and frame is not None:
                try:
                    stack = traceback.extract_stack(frame)[-8:]
                except (AttributeError, ValueError):  # the frame changed as it was read
                    continue
                where = " < ".join(
                    f"{f.name}@{Path(f.filename).name}:{f.lineno}" for f in reversed(stack)
                )
                self.stall_stacks[where] = self.stall_stacks.get(where, 0) + 1

    def worst_places(self, count: int = 5) -> list[tuple[str, int]]:
        """Where the main thread was most often while the loop was late (> 50 ms)."""
        return sorted(self.stall_stacks.items(), key=lambda kv: -kv[1])[:count]

    def start(self) -> None:
        self.worst = self.worst_gc = self.worst_gc_cpu = 0.0
        self._cpu_wait = ui_thread_cpu_and_wait()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop_ms(self) -> float:
        assert self._task is not None
        self._task.cancel()
        cpu, wait = ui_thread_cpu_and_wait()
        self.ui_cpu_s = round(cpu - self._cpu_wait[0], 2)
        self.ui_runq_s = round(wait - self._cpu_wait[1], 2)
        return round(self.worst * 1000, 1)


def ui_thread_cpu_and_wait() -> tuple[float, float]:
    """This thread's CPU time and its time runnable but waiting for a CPU (Linux's
    schedstat; 0 elsewhere), in s: a stall whose wait is the run queue's is the machine's
    scheduling (the fleet's processes share the cores), not work of the console's."""
    try:
        waited = int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        waited = 0.0
    return time.thread_time(), waited


def nice_fleet(pids: list[int], nice: int) -> None:
    """Run the fleet's processes (and the sessions and shells they fork) at `nice`: the
    hosts of a real incident are elsewhere, not on the console's cores (bench/RESULTS.md)."""
    for pid in pids:
        os.setpriority(os.PRIO_PROCESS, pid, nice)


def autogroup() -> str:
    """This process's autogroup and its nice (Linux, kernel.sched_autogroup_enabled), or ""."""
    try:
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError:
        return ""


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def children_peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def bulk_settings(hosts: int, lines: int, every: float = 0.0) -> Settings:
    """The demo configuration with one system of `hosts` hosts; the step prints `lines`,
    one every `every` seconds if given (a steady trickle), else as fast as it can."""
    data = load_settings(demo_config()).dumped()
    data["inventory"]["ssh"]["command_timeout"] = max(300.0, lines * every * 2)
    data["inventory"]["systems"] = [
        {
            "name": "bulk",
            "hosts": [{"name": f"bulk-{i:03d}"} for i in range(hosts)],
            "strategies": ["version-rollback"],
        }
    ]
    data["triggers"]["triggers"] = []
    data.pop("drills")  # the demo's drills name its hosts, which the bulk system replaces
    pause = f" sleep {every:g};" if every else ""
    loop = f"i=0; while [ $i -lt {lines} ]; do echo line $i of a steady stream;{pause} i=$((i+1)); done"
    for phase in data["procedure"]["phases"]:
        for step in phase["steps"]:
            if step["id"] == STEP:
                step["command"] = loop
    return Settings.validated(data)


def where_hosts_are(step) -> dict[str, int]:
    """How many hosts are at each status and stage: what a step that does not end waits on."""
    where = Counter(f"{r.status.value}/{r.stage}" for r in step.hosts.values())
    why = Counter(f"{r.failure.value}: {r.detail}" for r in step.hosts.values() if r.failure)
    return {"step": step.status.value, **where, **dict(why.most_common(3))}


def hosts_done(step) -> bool:
    """Every host of `step` has an outcome (or the step is over)."""
    busy = (HostStatus.PENDING, HostStatus.RUNNING)
    return step.status.finished or (
        bool(step.hosts) and all(r.status not in busy for r in step.hosts.values())
    )


async def until(condition, what: str, timeout: float = DEADLINE_S) -> float:
    """Wait (bounded) for `condition()`; the seconds it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not condition():
        if loop.time() - start > timeout:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return loop.time() - start


async def serve_fleet(hosts: int, lines: int, every: float = 0.0) -> None:
    """Child process: run the demo fleet, print its live settings, stop at stdin EOF."""
    async with DemoFleet(bulk_settings(hosts, lines, every)) as fleet:
        print(json.dumps(fleet.settings.dumped(mode="json")), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


@contextlib.asynccontextmanager
async def served(
    hosts: int, lines: int, every: float = 0.0, hosts_by: str = "demo", nice: int = 0
) -> AsyncIterator[Settings]:
    """The settings of the hosts the console talks to: the demo fleet in a child process,
    or (`sshd`) real OpenSSH servers on loopback (bench/fleet.py; root): a 1,000-host
    demo fleet spends its time forking shells in one Python process. The fleet runs at
    `nice`."""
    if hosts_by == "sshd":
        import fleet as fleetlib

        with tempfile.TemporaryDirectory(prefix="ui-fleet-") as tmp:
            real = await asyncio.to_thread(fleetlib.start_fleet, Path(tmp), hosts)
            try:
                nice_fleet([server.process.pid for server in real.servers], nice)
                yield patient(on_sshd(bulk_settings(hosts, lines, every), real, hosts))
            finally:
                real.stop()
        return
    fleet = await start_fleet(hosts, lines, every)
    try:
        nice_fleet([fleet.pid], nice)
        yield await fleet_settings(fleet)
    finally:
        assert fleet.stdin is not None
        fleet.stdin.close()
        try:
            await asyncio.wait_for(fleet.wait(), 30)
        except TimeoutError:  # never hide why the run failed behind the fleet's stop
            fleet.kill()
            await fleet.wait()


def on_sshd(settings: Settings, real, hosts: int) -> Settings:
    """`settings` with its bulk system's hosts on the real fleet `real` (bench/fleet.py)."""
    data = settings.dumped()
    data["inventory"]["ssh"].update(
        user=real.user,
        identity_files=[str(real.client_key)],
        known_hosts=str(real.known_hosts),
        use_ssh_config=False,
        jump_host=None,
    )
    data["inventory"]["systems"][0]["hosts"] = [
        {"name": f"bulk-{i:03d}", "address": address, "port": port}
        for i, (_, address, port) in enumerate(real.hosts(hosts))
    ]
    return Settings.validated(data)


async def start_fleet(hosts: int, lines: int, every: float = 0.0) -> asyncio.subprocess.Process:
    """The demo fleet in a child process (`serve_fleet`), so this one is the console alone."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve-fleet",
        "--hosts",
        str(hosts),
        "--lines",
        str(lines),
        "--every",
        str(every),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        limit=SETTINGS_LIMIT,
    )


async def fleet_settings(fleet: asyncio.subprocess.Process) -> Settings:
    """The settings the child's fleet serves: one JSON line (~0.2 MB at 1,000 hosts)."""
    assert fleet.stdout is not None
    line = await asyncio.wait_for(fleet.stdout.readline(), FLEET_START_S)
    return patient(Settings.validated(json.loads(line)))


def all_at_once(settings: Settings) -> Settings:
    """`settings` running the step on every host at once (max_commands = hosts): with the
    default 64, a 200-host soak streamed 64 hosts at a time, 40 minutes rather than 10."""
    data = settings.dumped()
    hosts = sum(len(system["hosts"]) for system in data["inventory"]["systems"])
    data["inventory"]["ssh"]["max_commands"] = max(hosts, data["inventory"]["ssh"]["max_commands"])
    return Settings.validated(data)


def patient(settings: Settings) -> Settings:
    """`settings` with a minute to connect and log in: the demo fleet's 3 s login timeout
    failed a quarter of 200 hosts at load 10 (one Python process serves every handshake)."""
    data = settings.dumped()
    data["inventory"]["ssh"].update(connect_timeout=LOGIN_S, login_timeout=LOGIN_S)
    return Settings.validated(data)


async def fanout(
    hosts: int,
    lines: int,
    screen: str = "execution",
    hosts_by: str = "demo",
    nice: int = 0,
    turns: Turns | None = None,
    turns_dump: Path | None = None,
) -> dict:
    async with served(hosts, lines, hosts_by=hosts_by, nice=nice) as live:
        with tempfile.TemporaryDirectory() as tmp:
            engine = Engine(
                live, Path(tmp) / "incidents", actor=Actor(user="bench"), threaded_io=True
            )
            app = make_app(live, engine, sample_probes=False)
            async with app.run_test(headless=True, size=(200, 50)) as pilot:
                conductor = engine.new_incident("bench: fan-out")
                app.attach(conductor)
                conductor.declare_trigger(TriggerKind.USER_IMPACT, "bench")
                conductor.select(["bulk"])
                await pilot.pause()
                base = peak_mb()
                monitor = StallMonitor()
                monitor.start()
                if turns is not None:
                    turns.start()
                app.start_run(STEP)
                if screen != "execution":
                    app.action_go(screen)
                step = conductor.state.step(STEP)
                try:
                    seconds = await until(lambda: hosts_done(step), "every host to finish")
                    seconds += await until(lambda: step.status in OVER, "the step to end", 30)
                except TimeoutError:
                    print(f"unfinished: {where_hosts_are(step)}", file=sys.stderr)
                    raise
                await pilot.pause(0.3)  # the last coalesced batch reaches the screen
                stall = monitor.stop_ms()
                if turns is not None:
                    turns.stop()
                gc_ms = round(monitor.worst_gc * 1000, 1)
                grid = app.get_screen("execution").query_one("#grid")
                received = sum(r.lines for r in step.hosts.values())
                result = {
                    "part": "fanout",
                    "fleet": hosts_by,
                    "fleet_nice": nice,
                    "autogroup": autogroup(),
                    "screen": screen,
                    "hosts": hosts,
                    "lines_per_host": lines,
                    "lines_received": received,
                    "grid_rows": grid.row_count,
                    "status": step.status.value,
                    "hosts_failed": where_hosts_are(step) if step.status.value != "done" else 0,
                    "seconds": round(seconds, 2),
                    "events": len(conductor.recorder.events),
                    "stall_ms": stall,
                    "gc_pause_ms": gc_ms,
                    "gc_worst_cpu_ms": round(monitor.worst_gc_cpu * 1000, 1),
                    "ui_thread_cpu_s": monitor.ui_cpu_s,
                    "ui_thread_run_queue_s": monitor.ui_runq_s,
                    "rss_before_mb": base,
                    "peak_mb": peak_mb(),
                    "stall_stacks": monitor.worst_places(),
                    "gc_pauses_over_20ms": monitor.gc_pauses,
                }
                if turns is not None:
                    report = turns.report(dump=turns_dump)
                    print(report.pop("profile", ""), file=sys.stderr)
                    result.update(report)
            conductor.recorder.close()
            await engine.close()
    return result


def write_timeline(directory: Path, events: int) -> Path:
    """`events` events: notes and 3-line outputs on the demo hosts, as a real journal."""
    settings = load_settings(demo_config())
    r = Recorder.open(directory, SystemClock(), Actor(user="bench"))
    steps = [
        {"id": s.id, "title": s.title, "kind": s.kind.value, "phase": p.phase.value}
        for p in settings.procedure.phases
        for s in p.steps
    ]
    r.record(Kind.INCIDENT_OPENED, incident_id="bench-timeline", title="bench", steps=steps)
    hosts = [h.name for s in settings.inventory.systems for h in s.hosts]
    for i in range(events - 1):
        host = hosts[i % len(hosts)]
        if i % 4 == 0:
            r.record(Kind.NOTE_ADDED, text=f"note {i} about {host}")
        else:
            where = {"system": "web", "host": host, "step": STEP}
            r.record(Kind.COMMAND_OUTPUT, stream="stdout", lines=[f"line {i}"] * 3, **where)
    r.close()
    return r.path


async def timeline(events: int) -> dict:
    settings = load_settings(demo_config())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "incidents"
        path = root / "bench-timeline" / "journal.jsonl"
        # Written by another process, as a journal is: this one's peak is the console's own.
        run_part(["--write-journal", str(path.parent), "--events", str(events)], parse=False)
        engine = Engine(settings, root, actor=Actor(user="bench"))
        t0 = time.perf_counter()
        conductor = engine.open_existing(path)
        load_s = time.perf_counter() - t0
        app = make_app(settings, engine, sample_probes=False)
        out: dict = {"part": "timeline", "events": events, "load_s": round(load_s, 2)}
        async with app.run_test(headless=True, size=(120, 36)) as pilot:
            app.attach(conductor)
            await pilot.pause()
            monitor = StallMonitor()
            monitor.start()
            t0 = time.perf_counter()
            await app.push_screen("timeline")
            table = app.screen.query_one("#timeline")
            await until(lambda: table.row_count >= events, "all rows")
            await pilot.pause()
            out["first_render_s"] = round(time.perf_counter() - t0, 2)
            out["open_stall_ms"] = monitor.stop_ms()

            monitor.start()
            await pilot.press(*["pageup"] * 20, "home", *["pagedown"] * 20, "end")
            await pilot.pause(0.1)
            out["scroll_stall_ms"] = monitor.stop_ms()

            monitor.start()
            t0 = time.perf_counter()
            await pilot.press("slash", "w", "e", "b", "-", "2")
            await until(lambda: 0 < table.row_count < events, "the filter")
            await pilot.pause(0.1)
            out["filter_s"] = round(time.perf_counter() - t0, 2)
            out["filter_rows"] = table.row_count
            await pilot.press(*["backspace"] * 5, "escape")
            await until(lambda: table.row_count >= events, "the cleared filter")
            await pilot.pause(0.1)
            out["filter_stall_ms"] = monitor.stop_ms()
            out["filter_gc_pause_ms"] = round(monitor.worst_gc * 1000, 1)

            monitor.start()
            for i in range(1000):
                conductor.note(f"live note {i}")
                if i % 50 == 0:
                    await asyncio.sleep(0)
            await until(lambda: table.row_count >= events + 1000, "the live rows")
            await pilot.pause(0.1)
            out["live_stall_ms"] = monitor.stop_ms()
        conductor.recorder.close()
        await engine.close()
    out["peak_mb"] = peak_mb()
    out["stall_ms"] = max(v for k, v in out.items() if k.endswith("stall_ms"))
    return out


async def export(events: int, turns: Turns | None = None, turns_dump: Path | None = None) -> dict:
    """The export screen's worst stalls on a journal of `events` events; `turns`: the UI
    loop's longest turns while the screen opens (its first compose and mount)."""
    from textual.widgets import Select

    settings = load_settings(demo_config())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "incidents"
        path = root / "bench-timeline" / "journal.jsonl"
        run_part(["--write-journal", str(path.parent), "--events", str(events)], parse=False)
        writer_mb = children_peak_mb()
        engine = Engine(settings, root, actor=Actor(user="bench"))
        conductor = engine.open_existing(path)
        app = make_app(settings, engine, sample_probes=False)
        out: dict = {"part": "export", "events": events}

        def rendered() -> bool:  # a screen without a rendering state renders on the loop
            return not getattr(app.screen, "rendering", False)

        async with app.run_test(headless=True, size=(120, 36)) as pilot:
            app.attach(conductor)
            await pilot.pause()
            monitor = StallMonitor()

            def measured(phase: str) -> None:  # where the loop was late, and the CPU's part
                out[f"{phase}_stall_ms"] = monitor.stop_ms()
                out[f"{phase}_ui_cpu_s"] = monitor.ui_cpu_s
                out[f"{phase}_ui_runq_s"] = monitor.ui_runq_s
                out[f"{phase}_gc_ms"] = round(monitor.worst_gc * 1000, 1)
                out[f"{phase}_places"] = monitor.worst_places(2)
                monitor.stall_stacks.clear()

            phases = [("open", None), ("json", "json"), ("node", "node")]
            for phase, format in phases:
                monitor.start()
                if turns is not None and format is None:
                    turns.start()
                t0 = time.perf_counter()
                if format is None:
                    await app.push_screen("export")
                else:
                    app.screen.query_one("#export-format", Select).value = format
                await asyncio.sleep(0.1)
                await until(rendered, f"the {phase} preview")
                await asyncio.sleep(0.5)
                out[f"{phase}_s"] = round(time.perf_counter() - t0, 2)
                measured(phase)
                if turns is not None and format is None:
                    turns.stop()
                    report = turns.report(dump=turns_dump)
                    print(report.pop("profile", ""), file=sys.stderr)
                    out.update({f"open_{k}": v for k, v in report.items()})
                print(json.dumps(out), file=sys.stderr, flush=True)

            monitor.start()
            for i in range(200):
                # One a loop turn, as notes typed or recorded by a live run come: 50 in one
                # turn measured their 50 fsyncs (each note is an action, fsync'd when
                # recorded), not the screen's reaction to them.
                conductor.note(f"live note {i}")
                await asyncio.sleep(0)
            await asyncio.sleep(0.5)
            await until(rendered, "the live preview")
            measured("live")

            monitor.start()
            t0 = time.perf_counter()
            await pilot.press("ctrl+s")
            await until(lambda: bool(conductor.state.exports), "the write")
            await asyncio.sleep(0.5)
            out["write_s"] = round(time.perf_counter() - t0, 2)
            measured("write")
        conductor.recorder.close()
        await engine.close()
    out["peak_mb"] = peak_mb()
    # The largest child's peak: the export screen's (`export` rendering the document) if it
    # is above the journal writer's, which it includes.
    out["children_peak_mb"], out["journal_writer_peak_mb"] = children_peak_mb(), writer_mb
    out["stall_ms"] = max(v for k, v in out.items() if k.endswith("stall_ms"))
    return out


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


STALLED_SOAK_SECONDS = 180.0  # no event for this long: the soak is stuck, not slow


async def soak(
    hosts: int, minutes: float, every: float = 1.0, hosts_by: str = "demo", trace: bool = False
) -> dict:
    """A live incident with steady output for `minutes`: every host prints a line every
    `every` s. Samples the resident memory and the events held each 10 s; at the end, how
    much garbage the collector finds once what `gc.freeze()` parked is unparked (memory
    that freezing kept from being freed). `trace`: where the memory grew between the first
    sample past 2,000 events and the end, by allocating line (tracemalloc)."""
    lines = int(minutes * 60 / every)
    samples = []
    async with served(hosts, lines, every, hosts_by) as served_settings:
        live = all_at_once(served_settings)
        with tempfile.TemporaryDirectory() as tmp:
            engine = Engine(
                live, Path(tmp) / "incidents", actor=Actor(user="bench"), threaded_io=True
            )
            app = make_app(live, engine, sample_probes=False)
            async with app.run_test(headless=True, size=(120, 36)) as pilot:
                conductor = engine.new_incident("bench: soak")
                app.attach(conductor)
                conductor.declare_trigger(TriggerKind.USER_IMPACT, "bench")
                conductor.select(["bulk"])
                await pilot.pause()
                monitor = StallMonitor()
                monitor.start()
                started = time.perf_counter()
                app.start_run(STEP)
                step = conductor.state.step(STEP)
                progressed, seen = started, 0
                if trace:
                    tracemalloc.start()
                first: tuple[tracemalloc.Snapshot, int] | None = None
                while not step.status.finished:
                    # Bounded by progress, not by the clock: on a loaded machine the hosts'
                    # `sleep` loops run slow, and a run cut by time never reached its count.
                    now, count = time.perf_counter(), len(conductor.recorder.events)
                    if count > seen:
                        progressed, seen = now, count
                    if now - progressed > STALLED_SOAK_SECONDS or now - started > minutes * 600:
                        raise TimeoutError("the soak step stopped making progress")
                    samples.append(
                        {
                            "s": round(time.perf_counter() - started),
                            "rss_mb": rss_mb(),
                            "events": len(conductor.recorder.events),
                            "frozen": gc.get_freeze_count(),
                        }
                    )
                    print(json.dumps(samples[-1]), file=sys.stderr, flush=True)  # progress
                    if trace and first is None and count >= 2000:
                        first = (tracemalloc.take_snapshot(), count)
                    await asyncio.sleep(10)
                stall = monitor.stop_ms()
                growth = grown_where(first, len(conductor.recorder.events)) if first else None
                gc.collect()
                gc.unfreeze()
                gc.set_debug(gc.DEBUG_SAVEALL)  # what freezing kept: kept here to be counted
                parked = gc.collect()
                kinds = Counter(type(o).__qualname__ for o in gc.garbage).most_common(8)
                gc.set_debug(0)
                gc.garbage.clear()
                result = {
                    "part": "soak",
                    "fleet": hosts_by,
                    "hosts": hosts,
                    "minutes": minutes,
                    "lines_received": sum(r.lines for r in step.hosts.values()),
                    "events": len(conductor.recorder.events),
                    "stall_ms": stall,
                    "garbage_parked_by_freeze": parked,
                    "parked_kinds": kinds,
                    "rss_after_unfreeze_mb": rss_mb(),
                    "samples": samples,
                    "peak_mb": peak_mb(),
                    **({"growth": growth} if growth else {}),
                }
            conductor.recorder.close()
            await engine.close()
    return result


def grown_where(first: tuple[tracemalloc.Snapshot, int], events: int) -> dict:
    """What was allocated and is still held since `first` (a snapshot and the events held
    then), by line and by file, in bytes per event recorded since."""
    snapshot, before = first
    gc.collect()
    now = tracemalloc.take_snapshot()
    tracemalloc.stop()
    added = max(1, events - before)
    short = lambda name: name.split("site-packages/")[-1].split("heldout/")[-1]  # noqa: E731
    by_file = now.compare_to(snapshot, "filename")
    by_line = now.compare_to(snapshot, "lineno")
    return {
        "events_added": added,
        "bytes_per_event": round(sum(d.size_diff for d in by_file) / added),
        "by_file": [
            [short(d.traceback[0].filename), round(d.size_diff / added)] for d in by_file[:12]
        ],
        "by_line": [
            [
                f"{short(d.traceback[0].filename)}:{d.traceback[0].lineno}",
                round(d.size_diff / added),
            ]
            for d in by_line[:20]
        ],
    }


async def resume(journal: Path, hosts: int) -> dict:
    """`rollback-console resume` of a long, realistic journal (bench/journal.py): the
    worst stall and the peak memory until the incident is open on its checklist."""
    from journal import incident_settings

    from console.ui.screens.checklist import ChecklistScreen

    settings = incident_settings(hosts)
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(settings, Path(tmp) / "incidents", actor=Actor(user="bench"))
        app = make_app(settings, engine, resume=journal, sample_probes=False, check_reach=False)
        monitor = StallMonitor()
        async with app.run_test(headless=True, size=(80, 24)) as pilot:
            monitor.start()
            t0 = time.perf_counter()
            seconds = await until(
                lambda: isinstance(app.screen, ChecklistScreen) and app.conductor is not None,
                "the resumed checklist",
            )
            await pilot.pause(0.3)
            stall = monitor.stop_ms()
            out = {
                "part": "resume",
                "events": len(app.conductor.recorder.events),
                "seconds": round(seconds, 2),
                "stall_ms": stall,
                "gc_pause_ms": round(monitor.worst_gc * 1000, 1),
                "open_s": round(time.perf_counter() - t0, 2),
                "stall_stacks": monitor.worst_places(),
            }
            app.conductor.recorder.close()
        await engine.close()
    out["peak_mb"] = peak_mb()
    return out


def run_part(args: list[str], parse: bool = True) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, timeout=DEADLINE_S
    )
    if done.returncode:
        raise SystemExit(f"bench/ui.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) if parse else {}


def worst_of(runs: list[dict]) -> dict:
    """The run with the longest stall, with every run's stall and the highest peak."""
    worst = dict(max(runs, key=lambda r: r["stall_ms"]))
    worst["stalls"] = [r["stall_ms"] for r in runs]
    worst["peak_mb"] = max(r["peak_mb"] for r in runs)
    return worst


def verdict(result: dict) -> str:
    ok = result["stall_ms"] < STALL_TARGET_MS and result["peak_mb"] < MEMORY_TARGET_MB
    return "meets both targets" if ok else "MISSES a target"


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else ""
    return f"{platform.node()}: {model} ({cpus} CPUs), Python {platform.python_version()}"


def section(fan: dict, tl: dict, command: str) -> str:
    return "\n".join(
        [
            f"Machine: {machine()}. Command: `{command}`. Targets: longest stall"
            f" < {STALL_TARGET_MS} ms, peak memory (ru_maxrss) < {MEMORY_TARGET_MB} MB.",
            "",
            "| part | workload | longest stall | peak memory | other figures | verdict |",
            "|---|---|---|---|---|---|",
            f"| fan-out | {fan['hosts']} demo hosts x {fan['lines_per_host']} lines, execution"
            f" screen open | {fan['stall_ms']} ms (worst of {len(fan['stalls'])} runs:"
            f" {', '.join(str(v) for v in fan['stalls'])}) | {fan['peak_mb']} MB |"
            f" {fan['lines_received']} lines in {fan['seconds']} s, {fan['events']} events,"
            f" {fan['grid_rows']} grid rows, worst GC pause {fan['gc_pause_ms']} ms"
            f" | {verdict(fan)} |",
            f"| timeline | {tl['events']} events | {tl['stall_ms']} ms (open"
            f" {tl['open_stall_ms']}, scroll {tl['scroll_stall_ms']}, filter"
            f" {tl['filter_stall_ms']}, live +1,000 {tl['live_stall_ms']}) | {tl['peak_mb']} MB"
            f" | journal read {tl['load_s']} s, first render {tl['first_render_s']} s,"
            f" filter to {tl['filter_rows']} rows {tl['filter_s']} s | {verdict(tl)} |",
            "",
            "The demo fleet runs in a child process, so the fan-out figures are the console's"
            f" own. Stall: worst lateness of a task sleeping 10 ms in a loop. Load average"
            f" when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other"
            " sessions share the machine, so stalls are upper bounds).",
        ]
    )


def tree() -> str:
    """The commit measured, and whether the work tree differs from it."""
    git = ["git", "-C", str(Path(__file__).parent)]
    head = subprocess.run([*git, "rev-parse", "--short=8", "HEAD"], capture_output=True, text=True)
    if head.returncode:
        return "a tree outside git"
    dirty = subprocess.run([*git, "diff", "--quiet", "HEAD"], capture_output=True).returncode
    return f"`{head.stdout.strip()}`" + (" with changes" if dirty else "")


def record(body: str) -> None:
    """A dated section at the end of bench/HISTORY.md: RESULTS.md cites it by its title."""
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    add_section(
        f"UI: the console's stalls and memory, bench/ui.py --write ({when} UTC, {tree()})", body
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["fanout", "timeline", "export", "resume", "soak"])
    parser.add_argument("--minutes", type=float, default=10.0, help="soak: how long")
    parser.add_argument("--every", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--journal", type=Path, help="resume: a journal from bench/journal.py")
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="fan-out runs; the worst counts")
    parser.add_argument(
        "--screen",
        choices=["execution", "timeline", "checklist"],
        default="execution",
        help="the screen open during the fan-out",
    )
    parser.add_argument(
        "--fleet",
        choices=["demo", "sshd"],
        default="demo",
        help="fanout, soak: the demo fleet in a child process, or real sshd (root)",
    )
    parser.add_argument(
        "--fleet-nice",
        type=int,
        default=0,
        help="fanout: the fleet's processes run at this nice (19: the console's cores first)",
    )
    parser.add_argument(
        "--console-autogroup-nice",
        type=int,
        metavar="NICE",
        help="fanout: give this process's autogroup (its session's: run it under setsid) "
        "this nice. With Linux autogroups every sshd session of the fleet is a group of its "
        "own, sharing the CPUs with the console's group equally whatever --fleet-nice says",
    )
    parser.add_argument(
        "--turns",
        type=int,
        help="fanout, export (its open): report the N longest turns of the UI loop (turns.py)",
    )
    parser.add_argument(
        "--profile-turns",
        type=float,
        metavar="MS",
        help="fanout: with --turns, cProfile the turns over MS ms of CPU (to stderr)",
    )
    parser.add_argument(
        "--profile-out", type=Path, help="fanout: the turns' summed profile, for pstats"
    )
    parser.add_argument(
        "--trace", action="store_true", help="soak: where the memory grows (tracemalloc)"
    )
    parser.add_argument(
        "--write", action="store_true", help="add a dated section to bench/HISTORY.md"
    )
    parser.add_argument("--serve-fleet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write-journal", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part == "resume" and args.journal is None:
        parser.error("--part resume needs --journal: a journal of bench/journal.py --keep DIR")
    if args.write and args.part:
        parser.error("--write records the fan-out rounds and the timeline: leave --part out")
    if args.write_journal:
        write_timeline(args.write_journal, args.events)
        return 0
    if args.serve_fleet:
        asyncio.run(serve_fleet(args.hosts, args.lines, args.every))
        return 0
    if args.part == "fanout":
        if args.console_autogroup_nice is not None:
            Path("/proc/self/autogroup").write_text(str(args.console_autogroup_nice))
        turns = Turns(args.turns, args.profile_turns) if args.turns else None
        fan = fanout(
            args.hosts,
            args.lines,
            args.screen,
            args.fleet,
            args.fleet_nice,
            turns,
            args.profile_out,
        )
        print(json.dumps(asyncio.run(fan)))
        return 0
    if args.part == "timeline":
        print(json.dumps(asyncio.run(timeline(args.events))))
        return 0
    if args.part == "export":
        turns = Turns(args.turns, args.profile_turns) if args.turns else None
        print(json.dumps(asyncio.run(export(args.events, turns, args.profile_out))))
        return 0
    if args.part == "soak":
        soaked = soak(args.hosts, args.minutes, hosts_by=args.fleet, trace=args.trace)
        print(json.dumps(asyncio.run(soaked)))
        return 0
    if args.part == "resume":
        print(json.dumps(asyncio.run(resume(args.journal, args.hosts))))
        return 0
    fans = []
    for _ in range(max(1, args.rounds)):
        fans.append(
            run_part(["--part", "fanout", "--hosts", str(args.hosts), "--lines", str(args.lines)])
        )
        print(json.dumps(fans[-1]))
    fan = worst_of(fans)
    tl = run_part(["--part", "timeline", "--events", str(args.events)])
    print(json.dumps(tl))
    if args.write:
        record(section(fan, tl, "python " + " ".join(["bench/ui.py", *sys.argv[1:]])))
    return 0 if verdict(fan) == verdict(tl) == "meets both targets" else 1


if __name__ == "__main__":
    sys.exit(main())
