"""At most one redraw every so often: the rest wait for one scheduled tick."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Throttle:
    """Says whether something may be redrawn now; when it may not, schedules `tick` on
    `owner` once, `seconds` later, so what was held back is shown then."""

    def __init__(self, owner: MessagePump, seconds: float, tick: Callable[[], None]) -> None:
        self._owner, self._seconds, self._tick = owner, seconds, tick
        self._at = 0.0
        self._timer: Timer | None = None

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._at >= self._seconds:
            self._at = now
            return True
        if self._timer is None:
            self._timer = self._owner.set_timer(self._seconds, self._fire)
        return False

    def _fire(self) -> None:
        self._timer = None
        self._tick()
