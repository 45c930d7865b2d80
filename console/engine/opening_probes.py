"""The probes' state as a headless incident opens: nothing watched them before it (the
console's home screen did, and gives its incident what it read), so the document had no
probe's before, nor a first bad sample; `--trigger auto` read only the probe that fired,
its evidence the before of that one alone. One round is read
beside the first steps, and given a moment more, at most, before the rollback starts:
a probe that hangs delays no rollback."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

GRACE = 2.0  # seconds the rollback waits, at most, for a probe still being read


def read_at_start(
    conductor: Conductor, read: frozenset[str] = frozenset()
) -> asyncio.Task[object] | None:
    """Read once, journalled, the probes of the incident's systems (after `select`), on
    the hosts it chose, but those `read` names (a firing's, its evidence journalled); for
    the record only: the trigger is declared, none fires."""
    from console.engine.watcher import Watcher

    systems = conductor.state.systems
    if not any(s.probes for s in conductor.settings.inventory.systems if s.name in systems):
        return None
    clock = conductor.recorder.clock
    watcher = Watcher(conductor.settings, conductor.pool, clock=clock, systems=systems)
    keys = [k for k in watcher.readings if k not in read]
    if not keys:
        return None
    for reading in watcher.readings.values():
        reading.streaks = []
    watcher.hosts = frozenset(conductor.state.hosts)
    watcher.attach(conductor.recorder)
    return asyncio.ensure_future(watcher.round(keys))


async def settle(reading: asyncio.Task[object] | None, grace: float = GRACE) -> None:
    """Before the rollback (or the close): the round done, or stopped after `grace`."""
    if reading is None:
        return
    await asyncio.wait({reading}, timeout=grace)
    if not reading.done():
        reading.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await reading  # its error was the probe's: a sample says it, or nothing does
