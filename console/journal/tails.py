"""What a rollback document reads of the commands' output: each attempt's last few
stderr events, and a failed (or unfinished) stage's last stdout events (how far it got),
the attempt numbered by the command intents seen before them."""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

STDERR_LINES = 10  # of a failed attempt's stderr, in the document
STDOUT_LINES = 3  # of its output: how far it got ("rolled back: 1.5.0 -> 1.4.2")

Item = TypeVar("Item")
Place = tuple[str | None, str | None]  # (step, host)


class AttemptTails(Generic[Item]):
    """Per (step, host, attempt, stream): the last few output items (events, or stdout
    lines left unread) the document reads."""

    def __init__(self) -> None:
        self._attempt: dict[Place, int] = {}
        self._kept: dict[tuple[str | None, str | None, int, str], deque[Item]] = {}

    def intent(self, place: Place, attempt: int | None) -> None:
        """A stage sent: the output read of it is its own (a precheck's is not the action's)."""
        self._attempt[place] = attempt or 1
        self._kept.pop((*place, self._attempt[place], "stdout"), None)

    def output(self, place: Place, stream: str, item: Item) -> None:
        limit = STDERR_LINES if stream == "stderr" else STDOUT_LINES
        key = (*place, self._attempt.get(place, 1), stream)
        self._kept.setdefault(key, deque(maxlen=limit)).append(item)

    def result(self, place: Place, failed: bool) -> None:
        """An attempt's result: the output of one that did not fail is not read."""
        if not failed:
            self._kept.pop((*place, self._attempt.get(place, 1), "stdout"), None)

    def items(self) -> list[Item]:
        return [item for tail in self._kept.values() for item in tail]
