"""Pure probe evaluation: host states, aggregation, consecutive-bad streaks, thinning,
soak progress and recovery time. No I/O: the engine feeds values in."""

from __future__ import annotations

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
    """

    trigger: AutoTrigger
    bad: deque[ProbeSample] = field(default_factory=deque)
    fired: bool = False

    def observe(self, sample: ProbeSample, state: SampleState) -> bool:
        """Feed one sample's state for this trigger; True exactly when it fires now."""
        if state is SampleState.HEALTHY:
            self.bad.clear()
            self.fired = False
            return False
        if state is SampleState.INCONCLUSIVE:
            return False
        self.bad.append(sample)
        while len(self.bad) > self.trigger.consecutive:
            self.bad.popleft()
        if not self.fired and len(self.bad) >= self.trigger.consecutive:
            self.fired = True
            return True
        return False

    def rearm(self) -> None:
        """Forget the samples seen: it fires again only from the next ones."""
        self.bad.clear()
        self.fired = False

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


SPARKS = "▁▂▃▄▅▆▇█"


BAD_MARK = "✘"  # a bad sample whose value is no point on the others' scale


def sparkline(values: list[Value], width: int = 20) -> str:
    """Recent numeric values as block characters; BAD_MARK as itself; other non-numbers
    show as a gap."""
    recent = values[-width:]
    numbers = [v for v in recent if isinstance(v, float)]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 0.0)
    span = (high - low) or 1.0
    return "".join(
        SPARKS[int((v - low) / span * (len(SPARKS) - 1))]
        if isinstance(v, float)
        else BAD_MARK
        if v == BAD_MARK
        else " "
        for v in recent
    )


def plotted(probe: Probe, samples: Sequence[ProbeSample]) -> list[Value]:
    """What a sparkline draws of `samples`: their values, on one scale. Where a probe
    that measures (an http probe's latency) has rounds whose value counts bad hosts
    instead (a status flagged), those are no point on the scale: a bad one is BAD_MARK, a
    healthy one a gap. An http probe turning bad drew its 1 (one bad host) under the 11 ms
    before it: a fall."""
    counted = [_counted(probe, sample) for sample in samples]
    if all(counted) or not any(counted):
        return [sample.value for sample in samples]
    return [
        (BAD_MARK if sample.state is SampleState.BAD else None) if count else sample.value
        for sample, count in zip(samples, counted, strict=True)
    ]


def _counted(probe: Probe, sample: ProbeSample) -> bool:
    """Whether `sample`'s value counts its bad hosts (as `aggregate` votes) rather than
    combining what they measured."""
    if probe.combine in (Aggregate.ANY, Aggregate.ALL):
        return True
    answered = [h for h in sample.hosts if h.error is None and h.value is not None]
    return any(h.flagged or not isinstance(h.value, float) for h in answered)


def show(value: Value, unit: str = "") -> str:
    """A probe's value as screens and reports print it: `–` for none, short."""
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:g}"
    else:
        text = value if len(value) <= 16 else value[:15] + "…"
    return f"{text} {unit}".strip()


def recorded_text(
    value: float | str | None, hosts: Mapping[str, Mapping[str, object]], unit: str = ""
) -> str:
    """A journalled sample's value as the tables show it, read from its hosts alone: a
    vote (status words, flags) as how many of the hosts that answered read bad, `1/3 bad`
    (`3/3 ok`) rather than `1.0`; a number as it is, in its `unit` (`1.3 ms`: headless
    said `1.3`, the console `1.3 ms`)."""
    if value is None:
        return "–"
    shown = show(value if isinstance(value, str) else float(value), unit)
    answered = [h for h in hosts.values() if h.get("error") is None and h.get("value") is not None]
    if all(isinstance(h.get("value"), float | int) and not h.get("flagged") for h in answered):
        return shown
    return _vote(value, len(answered), len(hosts))


def said_sample(sample: Mapping[str, Any]) -> str:
    """A journalled sample (`ProbeSample.as_data`) as evidence says it: `0.31 bad`,
    `1.3 ms healthy`, `1/1 bad` (a vote's words say its state: `1 bad` read as a value)."""
    hosts = sample.get("hosts") or {}
    text = recorded_text(sample.get("value"), hosts, str(sample.get("unit") or ""))
    state = str(sample.get("state", ""))
    voted = "/" in text and text.endswith((" bad", " ok"))
    return text if voted or not state else f"{text} {state}"


def sample_text(probe: Probe, sample: ProbeSample | None) -> str:
    """A round's value as the tables show it: the number the hosts combined to, or, for a
    vote (status words, flags, any/all), how many of the hosts that answered read bad:
    `1/3 bad`, or `3/3 ok` (a bare `0` read as a reading of zero). A round left
    inconclusive by hosts that did not answer says how many and why: `118/120 ok · 2
    unreachable` (it read `118/118 ok`, as if every host had answered)."""
    if sample is None or sample.value is None:
        return "–" + _unanswered(sample)
    answered = [h for h in sample.hosts if h.error is None and h.value is not None]
    numeric = all(isinstance(h.value, float) and not h.flagged for h in answered)
    if numeric and probe.combine not in (Aggregate.ANY, Aggregate.ALL):
        return show(sample.value, probe.unit) + _unanswered(sample)
    return _vote(sample.value, len(answered), len(sample.hosts)) + _unanswered(sample)


def _unanswered(sample: ProbeSample | None) -> str:
    """` · 2 unreachable · 1 not read` for an inconclusive round: the hosts it lacks (a bad
    round is bad whatever the others would say: nothing added)."""
    if sample is None or sample.state is not SampleState.INCONCLUSIVE:
        return ""
    missing = [h for h in sample.hosts if h.error is not None or h.value is None]
    unreachable = sum(1 for h in missing if h.unreachable)
    words = [f"{unreachable} unreachable"] if unreachable else []
    if len(missing) > unreachable:
        words.append(f"{len(missing) - unreachable} not read")
    return "".join(f" · {w}" for w in words)


def inconclusive_for(probes: Mapping[str, Mapping[str, object]]) -> str:
    """`2 unreachable`: the hosts a round's probes lacked, summed from their words
    (`sample_text`), when they alone left it inconclusive (none bad); else empty. The soak
    that never got its healthy rounds says why: its hosts, not its probes."""
    states = {str(p.get("state")) for p in probes.values()}
    if SampleState.INCONCLUSIVE.value not in states or SampleState.BAD.value in states:
        return ""
    counts: dict[str, int] = {}
    for probe in probes.values():
        for word in str(probe.get("shown") or "").split(" · ")[1:]:
            number, _, what = word.partition(" ")
            if number.isdigit() and what in ("unreachable", "not read"):
                counts[what] = counts.get(what, 0) + int(number)
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def _vote(bad: float | str, answered: int, hosts: int | None = None) -> str:
    """How many of the hosts that answered read bad (`1/3 bad`); none: `3/3 ok` (`0/3 bad`
    beside a healthy mark read oddly), of all `hosts` asked when some did not answer."""
    if bad == 0:
        return f"{answered}/{answered if hosts is None else hosts} ok"
    return f"{show(bad if isinstance(bad, str) else float(bad))}/{answered} bad"
