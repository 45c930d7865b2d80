"""One order for systems everywhere: the configuration's (Inventory.in_order)."""

from __future__ import annotations

from console.journal.describe import describe
from console.model.events import Kind
from tests.test_ui_support import _close_engines, web_and_api_app  # noqa: F401


async def test_the_locks_are_released_in_the_order_they_were_taken(tmp_path):
    """Seen in the timeline on 200 hosts: 'locked systems web, api', then 'released the
    locks on api, web' (sorted): one order everywhere, the configuration's."""
    _, conductor = web_and_api_app(tmp_path)
    conductor.locking.release("the test ends")
    said = {
        e.kind: describe(e)
        for e in conductor.recorder.events
        if e.kind in (Kind.LOCK_ACQUIRED, Kind.LOCK_RELEASED)
    }
    assert said[Kind.LOCK_ACQUIRED] == "locked systems web, api", said
    assert said[Kind.LOCK_RELEASED].startswith("released the locks on web, api"), said
