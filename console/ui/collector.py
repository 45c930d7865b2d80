"""The garbage collector while the console runs: its collections on the UI loop's own turn.

Python collects when allocations cross a threshold, in whichever thread allocates: inside
a frame's rendering, or on the SSH I/O thread (which holds the interpreter's lock while it
collects). A collection of generation 1 (15-35 ms at 200 hosts streaming) then lengthened
the frame it fell in, and the park's full collection of ~150,000 objects at 1,000 hosts was
the console's longest stall (bench/RESULTS.md). While the console runs, automatic
collection is off and `Collector.tick`, called once a frame between the frames, runs the
same collections Python would: each is a turn of the loop of its own.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections (Python's default: 700). Each line Textual draws
# is ~16 tracked objects (a Strip and its caches, in cycles with itself): at 700, what one
# frame drew outlived two young collections, was promoted, and only full collections
# (20-60 ms each) freed it. With room for a few frames, it dies young (RESULTS.md).
YOUNG_OBJECTS = 5_000
# Young collections between two collections of generation 1 (Python's default).
OLDER_EVERY = 10
# Park (gc.freeze) the heap once it has grown by this many memory blocks since the last
# park (sys.getallocatedblocks: O(1), where counting the collector's objects lists them,
# ~0.3 ms per 1,000), looked at when a collection is due. A full collection first frees
# what is garbage, in time proportional to what is unparked (~1 ms per 1,000 objects here,
# ~3 blocks each): with ~15,000 of them the park stays a short turn of the loop (at
# 100,000 blocks a park took 20-35 ms of CPU at 200 hosts streaming, as long as a frame).
PARK_BLOCKS = 50_000


class Collector:
    """Automatic collection off from `start` to `stop`; `tick` collects as Python would."""

    def __init__(self) -> None:
        self._thresholds = gc.get_threshold()  # restored at `stop`
        self._parked_at = sys.getallocatedblocks()  # the heap's size at the last park

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        gc.set_threshold(0, *self._thresholds[1:])  # threshold 0: no automatic collection
        self._parked_at = sys.getallocatedblocks()

    def stop(self) -> None:
        gc.set_threshold(*self._thresholds)

    def tick(self) -> None:
        """Collect what is due: the young generation once YOUNG_OBJECTS allocations have
        gathered, generation 1 every OLDER_EVERY young collections; in their stead
        everything, then park it, once the heap has grown by PARK_BLOCKS. The
        events live as long as the incident: parked, no collection scans them again. A
        park also parks the render caches alive then (Textual's strips hold themselves in
        cycles), which die and are never collected: parks are not more frequent than
        that. Nothing while the collector is disabled (start-up, a resume's load)."""
        if not gc.isenabled():
            return
        young, older, _ = gc.get_count()
        if young < YOUNG_OBJECTS and older < OLDER_EVERY:
            return
        if self.grown() >= PARK_BLOCKS:
            gc.collect()  # what is garbage already is not parked
            gc.freeze()
            self._parked_at = sys.getallocatedblocks()
        elif older >= OLDER_EVERY:
            gc.collect(1)
        else:
            gc.collect(0)

    def grown(self) -> int:
        """Memory blocks allocated (net) since the last park."""
        return sys.getallocatedblocks() - self._parked_at


@contextmanager
def parked() -> Iterator[None]:
    """Around a journal's load: it makes millions of objects that live as long as the
    incident, and collections over them would hold the GIL (and so the screen) for
    seconds. No collection runs while they are made; they are parked (frozen) after."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
