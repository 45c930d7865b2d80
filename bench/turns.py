"""The UI loop's turns: which callbacks take the thread's CPU, the longest first.

`bench/ui.py --turns N` wraps asyncio's `Handle._run` in this process: every callback the
UI thread's loop runs (a task's step, a timer) is timed in the thread's CPU, its wall and
its wait in the run queue (Linux's schedstat), under a name (the task's, or the timer's
callback), and the N longest by CPU are reported with when they began. `--profile-turns
MS` also profiles each turn (cProfile, on the thread's CPU clock) and sums the profiles
of those over MS ms: where a long turn's time goes. Profiling slows every turn; the times
it reports are relative.
"""

from __future__ import annotations

import asyncio
import cProfile
import heapq
import io
import pstats
import threading
import time
from pathlib import Path

SCHEDSTAT = Path("/proc/thread-self/schedstat")


def waited_s() -> float:
    """This thread's time runnable but waiting for a CPU, in s (0 where unknown)."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def turn_name(handle: asyncio.Handle) -> str:
    """A task's name and where its coroutine is, or a callback's qualified name."""
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f"{frame.f_code.co_name}:{frame.f_lineno}" if frame is not None else "?"
        return f"{task.get_name()} @ {where}"
    owner = getattr(callback, "__self__", None)
    name = getattr(callback, "__qualname__", repr(callback))
    return f"{name} of {type(owner).__name__}" if owner is not None else name


class Turns:
    """Times the callbacks of the loop run by the thread that calls `start`."""

    def __init__(self, keep: int, profile_over_ms: float | None = None) -> None:
        self.keep = keep
        self.profile_over = None if profile_over_ms is None else profile_over_ms / 1000
        # (cpu, wall, wait, s since start, name)
        self.longest: list[tuple[float, float, float, float, str]] = []
        self.count = 0
        self.total_cpu = 0.0
        self.profiles: pstats.Stats | None = None
        self.profiled = 0
        self._thread: int | None = None
        self._original = asyncio.Handle._run

    def start(self) -> None:
        self._thread = threading.get_ident()
        self._started = time.perf_counter()
        turns, original = self, self._original

        def timed(handle: asyncio.Handle) -> None:
            if threading.get_ident() != turns._thread:
                return original(handle)
            return turns._time(handle, original)

        asyncio.Handle._run = timed  # type: ignore[method-assign]

    def stop(self) -> None:
        asyncio.Handle._run = self._original  # type: ignore[method-assign]

    def _time(self, handle: asyncio.Handle, original) -> None:
        name = turn_name(handle)  # before the step: where the task resumes
        profile = cProfile.Profile(time.thread_time) if self.profile_over is not None else None
        wait0, wall0, cpu0 = waited_s(), time.perf_counter(), time.thread_time()
        if profile is not None:
            profile.enable()
        try:
            original(handle)
        finally:
            if profile is not None:
                profile.disable()
            cpu = time.thread_time() - cpu0
            wall, wait = time.perf_counter() - wall0, waited_s() - wait0
            self.count += 1
            self.total_cpu += cpu
            entry = (cpu, wall, wait, wall0 - self._started, name)
            if len(self.longest) < self.keep:
                heapq.heappush(self.longest, entry)
            elif cpu > self.longest[0][0]:
                heapq.heapreplace(self.longest, entry)
            if profile is not None and self.profile_over is not None and cpu > self.profile_over:
                self.profiled += 1
                if self.profiles is None:
                    self.profiles = pstats.Stats(profile)
                else:
                    self.profiles.add(profile)

    def report(self, lines: int = 40, dump: Path | None = None) -> dict:
        """The longest turns (ms of CPU, wall, run-queue wait) and the summed profile
        (also written to `dump`, for pstats, if given)."""
        out: dict = {
            "turns": self.count,
            "turns_cpu_s": round(self.total_cpu, 2),
            "longest_turns_ms": [
                f"{cpu * 1000:.1f} cpu / {wall * 1000:.1f} wall / {wait * 1000:.1f} wait"
                f" at {at:.2f} s: {name}"
                for cpu, wall, wait, at, name in sorted(self.longest, reverse=True)
            ],
        }
        if self.profiles is not None:
            if dump is not None:
                self.profiles.dump_stats(dump)
            text = io.StringIO()
            self.profiles.stream = text  # type: ignore[attr-defined]
            self.profiles.sort_stats("cumulative").print_stats(lines)
            self.profiles.sort_stats("tottime").print_stats(lines)
            out["profiled_turns"] = self.profiled
            out["profile"] = text.getvalue()
        return out
