"""A system's recovery time: from its first trigger event to verified stable, against its RTO."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

RTO_EXCEEDED = "RTO exceeded"


class Recovery(NamedTuple):
    """Time from the first trigger event to verified stable, against the system's RTO."""

    system: str
    started: datetime
    verified: datetime
    seconds: float
    rto_minutes: float | None

    @property
    def verdict(self) -> str:
        if self.rto_minutes is None:
            return "no target"
        return "within RTO" if self.seconds <= self.rto_minutes * 60 else RTO_EXCEEDED


def measure_recovery(
    system: str, started: datetime, verified: datetime, rto_minutes: float | None
) -> Recovery:
    seconds = round(max(0.0, (verified - started).total_seconds()), 3)
    return Recovery(system, started, verified, seconds, rto_minutes)
