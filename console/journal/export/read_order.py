"""Where each probe reading stands in the journal's order (seq), never by its wall time: a
wall clock stepped back (NTP, a VM resumed) read a sample taken before the rollback as
taken after it, and one taken during it as the first bad reading of the incident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.journal.export import reading
from console.model.events import Event, Kind
from console.model.payloads import ProbeSample

CARRIERS = (Kind.PROBE_SAMPLE, Kind.TRIGGER_DECLARED, Kind.TRIGGER_FIRED, Kind.TRIGGER_MERGED)


@dataclass(frozen=True)
class Read:
    """A probe reading once, where it was first journalled: `position` is the seq it was
    read before (its event's; a `held` sample's, its journal's opening or resume: the
    watcher took it before then), `at` its wall time, to order readings at one position."""

    position: int
    at: datetime
    event: Event
    sample: dict[str, Any]

    def __lt__(self, other: Read) -> bool:
        return (self.position, self.at) < (other.position, other.at)


def reads(events: list[Event]) -> list[Read]:
    """Every probe reading in the journal once: a trigger's evidence repeats samples
    journalled before it (a firing merged long after they were read), and counts where
    the sample was first journalled; each `probe.sample` is a reading of its own."""
    seen: set[tuple[str, ...]] = set()
    out: list[Read] = []
    attached = 0  # the seq of the latest opening or resume
    for event in events:
        if event.kind in (Kind.INCIDENT_OPENED, Kind.INCIDENT_RESUMED):
            attached = event.seq
        if event.kind not in CARRIERS:
            continue
        data = event.data
        own = isinstance(data, ProbeSample)
        held = isinstance(data, ProbeSample) and data.journalled == "held"
        for sample in reading.samples(event):
            key = tuple(str(sample.get(k)) for k in ("probe", "at", "state", "value"))
            at = reading.sample_time(sample)
            if at is None or (key in seen and not own):
                continue
            seen.add(key)
            out.append(Read(attached if held else event.seq, at, event, sample))
    return out
