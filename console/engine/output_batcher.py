"""A host's output lines, recorded as a few `command.output` events rather than one a line."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from console.journal.recorder import Recorder
from console.model.payloads import CommandOutput

OUTPUT_BATCH_LINES = 200
OUTPUT_BATCH_SECONDS = 0.05


class OutputBatcher:
    """Collects a host's lines and records them as a few output events: a batch is
    recorded when it is full, or at the latest OUTPUT_BATCH_SECONDS after its first line,
    even if the command then prints nothing more for an hour."""

    def __init__(self, recorder: Recorder, where: dict[str, Any], stream: str, started: float):
        """`started`: when the command was sent (made at its first line, it counts from then)."""
        self.recorder, self.where, self.stream = recorder, where, stream
        self.pending: list[str] = []
        self.count = 0
        self.last = ""  # the last line: what a refusing precheck said
        self.last_flush = started
        self._timer: asyncio.TimerHandle | None = None
        self._failure: Exception | None = None  # a timed flush's, raised by the next call

    def extend(self, lines: list[str]) -> None:
        self.pending += lines
        self.last = lines[-1] if lines else self.last
        self.count += len(lines)
        if (
            len(self.pending) >= OUTPUT_BATCH_LINES
            or time.monotonic() - self.last_flush >= OUTPUT_BATCH_SECONDS
        ):
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(
                OUTPUT_BATCH_SECONDS, self._flush_on_time
            )

    def _flush_on_time(self) -> None:
        self._timer = None
        try:
            self.flush()
        except Exception as exc:  # the journal cannot be written: the command's end says so
            self._failure = exc

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._failure is not None:
            raise self._failure
        if self.pending:
            self.recorder.record(
                CommandOutput(stream=self.stream, lines=self.pending), **self.where
            )
            self.pending = []
        self.last_flush = time.monotonic()
