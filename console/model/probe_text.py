"""Probe values as the console, headless lines and documents say and draw them: a round's
value with its unit (`1.3 ms`), a vote as one (`1/3 bad`), what an inconclusive round lacks,
a sparkline of recent rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from console.model.probes import Aggregate, Probe
from console.model.watch import ProbeSample, SampleState, Value

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
