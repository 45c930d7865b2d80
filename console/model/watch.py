"""Pure probe evaluation: host states, aggregation, consecutive-bad streaks, thinning,
soak progress and recovery time. No I/O: the engine feeds values in."""

from __future__ import annotations

import dataclasses
import statistics
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import takewhile
from typing import Any

from console.model.auto_triggers import AutoTrigger
from console.model.probes import PROBE_KINDS, Aggregate, BadWhen, Probe


class SampleState(StrEnum):
    HEALTHY = "healthy"
    BAD = "bad"
    INCONCLUSIVE = "inconclusive"


Value = float | str | None


@dataclass(frozen=True)
class HostValue:
    """One host's reading; `flagged` is a non-numeric verdict (bad word, status, mismatch)."""

    host: str
    value: Value
    error: str | None = None
    flagged: bool = False
    detail: str = ""
    unreachable: bool = False


@dataclass(frozen=True)
class ProbeSample:
    """One round of a probe across its hosts, aggregated."""

    probe: str
    system: str
    at: datetime
    value: Value
    state: SampleState
    threshold: float | None
    hosts: tuple[HostValue, ...] = ()
    detail: str = ""
    unit: str = ""  # of value and threshold, as the probe says it (`ms`)
    serial: int = 0  # rounds ended in this process before it: which reading is newer

    @property
    def key(self) -> str:
        return probe_key(self.system, self.probe)

    def as_data(self) -> dict[str, Any]:
        """The sample as journal data (evidence, probe.sample events)."""
        return {
            "probe": self.key,
            "at": self.at.isoformat(),
            "value": self.value,
            "state": self.state.value,
            "threshold": self.threshold,
            "detail": self.detail,
            **({"unit": self.unit} if self.unit else {}),
            "hosts": {
                h.host: {
                    "value": h.value,
                    "error": h.error,
                    "flagged": h.flagged,
                    "detail": h.detail,
                }
                for h in self.hosts
            },
        }


def probe_key(system: str, probe: str) -> str:
    return f"{system}/{probe}"


def parse_value(text: str) -> Value:
    """A number if it parses as one, else the stripped word; blank is None."""
    word = text.strip()
    if not word:
        return None
    try:
        return float(word)
    except ValueError:
        return word


def breaches(value: float, threshold: float | None, bad_when: BadWhen) -> bool:
    if threshold is None:
        return False
    return value > threshold if bad_when is BadWhen.ABOVE else value < threshold


def host_state(probe: Probe, reading: HostValue, threshold: float | None) -> SampleState:
    if reading.error is not None or reading.value is None:
        return SampleState.INCONCLUSIVE
    if reading.flagged:
        return SampleState.BAD
    if isinstance(reading.value, str):
        if not PROBE_KINDS[probe.kind].words:
            return SampleState.HEALTHY
        words = {w.lower() for w in probe.healthy_words}
        return SampleState.HEALTHY if reading.value.lower() in words else SampleState.BAD
    bad = breaches(reading.value, threshold, probe.bad_when)
    return SampleState.BAD if bad else SampleState.HEALTHY


def aggregate(
    probe: Probe, hosts: list[HostValue], threshold: float | None
) -> tuple[Value, SampleState]:
    """Combine host readings; an error never makes a round healthy.

    Numbers combine with max/min/mean/sum and the result meets the threshold; any/all
    (and words or flags) vote on host states. If the hosts that answered already show
    the probe bad, it is bad; otherwise a host that errored makes it inconclusive.
    """
    if not hosts:
        return None, SampleState.INCONCLUSIVE
    states = [host_state(probe, h, threshold) for h in hosts]
    errored = SampleState.INCONCLUSIVE in states
    answered = [
        (h, s) for h, s in zip(hosts, states, strict=True) if s is not SampleState.INCONCLUSIVE
    ]
    numbers = [h.value for h, _ in answered if isinstance(h.value, float) and not h.flagged]
    numeric = probe.combine not in (Aggregate.ANY, Aggregate.ALL)
    if numeric and answered and len(numbers) == len(answered):
        value = _combine(probe.combine, numbers)
        bad = breaches(value, threshold, probe.bad_when)
    else:
        bad_count = sum(1 for _, s in answered if s is SampleState.BAD)
        value = float(bad_count)
        if probe.combine is Aggregate.ALL:
            bad = bool(answered) and bad_count == len(answered) and not errored
        else:
            bad = bad_count > 0
    if bad:
        return value, SampleState.BAD
    if errored or not answered:
        return (value if answered else None), SampleState.INCONCLUSIVE
    return value, SampleState.HEALTHY


def judged(probe: Probe, sample: ProbeSample, trigger: AutoTrigger) -> ProbeSample:
    """`sample` against the trigger's own threshold, when it sets one: the round as its
    streak observes it (inconclusive: a round the trigger cannot judge, it is blind)."""
    if trigger.threshold is None:
        return sample
    value, state = aggregate(probe, list(sample.hosts), trigger.threshold)
    return dataclasses.replace(sample, value=value, state=state, threshold=trigger.threshold)


def _combine(how: Aggregate, numbers: list[float]) -> float:
    if how is Aggregate.MIN:
        return min(numbers)
    if how is Aggregate.MEAN:
        return round(statistics.fmean(numbers), 6)
    if how is Aggregate.SUM:
        return sum(numbers)
    return max(numbers)


@dataclass
class Streak:
    """Consecutive bad samples for one automatic trigger (Argo's failureLimit).

    Bad extends the streak, healthy resets it, inconclusive holds it. The trigger
    fires once when the streak reaches `consecutive`, and re-arms after a healthy sample.
    `quiet`: it fired before this watcher began (in the incident it now journals into)
    and no healthy sample has come since, so the bad run is that firing's: nothing new.
    """

    trigger: AutoTrigger
    bad: deque[ProbeSample] = field(default_factory=deque)
    fired: bool = False
    quiet: bool = False
    seen_healthy: bool = False

    def observe(self, sample: ProbeSample, state: SampleState) -> bool:
        """Feed one sample's state for this trigger; True exactly when it fires now."""
        if state is SampleState.HEALTHY:
            self.bad.clear()
            self.fired = self.quiet = False
            self.seen_healthy = True
            return False
        if state is SampleState.INCONCLUSIVE:
            return False
        self.bad.append(sample)
        while len(self.bad) > self.trigger.consecutive:
            self.bad.popleft()
        if not self.fired and not self.quiet and len(self.bad) >= self.trigger.consecutive:
            self.fired = True
            return True
        return False

    def unjudged(self, probe: Probe, sample: ProbeSample) -> ProbeSample | None:
        """`sample` judged at this trigger's level when that round is inconclusive (too
        little read to judge), else None."""
        seen = judged(probe, sample, self.trigger)
        return seen if seen.state is SampleState.INCONCLUSIVE else None

    def blind(self, probe: Probe, sample: ProbeSample) -> ProbeSample | None:
        """`sample` judged at this trigger's level when that round is inconclusive and the
        trigger has not fired (a probe that reads nothing fires nothing), else None."""
        return None if self.fired else self.unjudged(probe, sample)

    def rearm(self) -> None:
        """Forget the samples seen: it fires again only from the next ones."""
        self.bad.clear()
        self.fired = self.quiet = False

    def fired_before(self) -> None:
        """Its trigger fired in the incident before this watcher began (a resumed
        console's): unless a healthy sample came since, its bad run goes on, and the
        trigger fires again only after a healthy sample, as it would have there."""
        self.quiet = not self.fired and not self.seen_healthy

    @property
    def count(self) -> int:
        return len(self.bad)


def held(history: Sequence[ProbeSample]) -> list[ProbeSample]:
    """What a journal opened now gets of the samples before it: the latest, after the
    first of the unhealthy run it ends (the earliest still held), the evidence."""
    run = list(takewhile(lambda s: s.state is not SampleState.HEALTHY, reversed(history)))
    return [run[-1], run[0]] if len(run) > 1 else [history[-1]] if history else []


class Thinner:
    """Which samples reach the journal: every state change, else one in `every`."""

    def __init__(self, every: int):
        self.every = every
        self._last: dict[str, SampleState] = {}
        self._since: dict[str, int] = {}

    def keep(self, sample: ProbeSample) -> str | None:
        """Why this sample is journalled ("change" or "periodic"), or None to drop it."""
        key = sample.key
        changed = self._last.get(key) is not sample.state
        self._last[key] = sample.state
        since = self._since.get(key, 0) + 1
        if changed or since >= self.every:
            self._since[key] = 0
            return "change" if changed else "periodic"
        self._since[key] = since
        return None

    def start_from(self, sample: ProbeSample) -> None:
        """A new journal got `sample`: what follows is thinned against it."""
        self._last[sample.key] = sample.state
        self._since[sample.key] = 0


class SoakStatus(StrEnum):
    WAITING = "waiting"
    PASSED = "passed"
    FAILED = "failed"


@dataclass
class SoakProgress:
    """Healthy rounds in a row towards `needed`, giving up when `limit` rounds cannot make it."""

    needed: int
    limit: int
    healthy: int = 0
    rounds: int = 0
    status: SoakStatus = SoakStatus.WAITING
    detail: str = ""

    def observe(
        self, states: dict[str, SampleState], said: Mapping[str, str] | None = None
    ) -> SoakStatus:
        """Feed one round (probe key -> state); every probe must be healthy. `said`: a
        probe not healthy in words, its hosts and values named (else `web/errors bad`)."""
        if self.status is not SoakStatus.WAITING:
            return self.status
        self.rounds += 1
        unhealthy = {k: s for k, s in states.items() if s is not SampleState.HEALTHY}
        if states and not unhealthy:
            self.healthy += 1
            self.detail = f"{self.healthy}/{self.needed} healthy"
        else:
            self.healthy = 0
            words = [(said or {}).get(k) or f"{k} {s}" for k, s in sorted(unhealthy.items())]
            self.detail = "; ".join(words) or "no probes"
        if self.healthy >= self.needed:
            self.status = SoakStatus.PASSED
        elif self.limit - self.rounds < self.needed - self.healthy:
            self.status = SoakStatus.FAILED
        return self.status
