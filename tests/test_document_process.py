"""The export screen's children are killed without being reaped by the killer: asyncio's
watcher reaps them, and reads their true status."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import warnings
from pathlib import Path

import pytest

from console.ui import document_process

pytestmark = pytest.mark.skipif(
    not hasattr(asyncio, "ThreadedChildWatcher"), reason="asyncio has no child watchers here"
)


class _LateWatcher(asyncio.ThreadedChildWatcher):  # type: ignore[name-defined,misc]
    """asyncio's watcher, waiting for its child a moment after it was started: a busy
    machine's scheduling, made certain."""

    def _do_waitpid(self, loop, expected_pid, callback, args):  # type: ignore[no-untyped-def]
        time.sleep(1.0)
        super()._do_waitpid(loop, expected_pid, callback, args)


def _dead(pid: int) -> bool:
    """A zombie: dead, not reaped yet."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


async def test_a_child_killed_twice_reads_killed_not_255() -> None:
    """end_all kills each child, then kills it again as it reaps it, as the write's own
    cleanup does: a second kill of a child dead but not yet reaped took its status from
    asyncio's watcher (Popen.kill polls first), which then reported 255 (the export
    screen's quit-during-a-write test flaked so under load)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        policy = asyncio.get_event_loop_policy()
        before = policy.get_child_watcher()  # type: ignore[attr-defined]
        policy.set_child_watcher(_LateWatcher())  # type: ignore[attr-defined]
    try:
        child = await asyncio.create_subprocess_exec("sleep", "30")
        document_process._kill(child)
        for _ in range(500):  # bounded: 5 s
            if _dead(child.pid):
                break
            await asyncio.sleep(0.01)
        assert _dead(child.pid)
        await document_process._reaped(child)  # kills again if it reads as running
        assert await asyncio.wait_for(child.wait(), 10) == -signal.SIGKILL
        assert not os.path.exists(f"/proc/{child.pid}")
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            policy.set_child_watcher(before)  # type: ignore[attr-defined]
