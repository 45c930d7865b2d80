"""One round of every probe, as a table for `rollback-console probe`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.engine.reading import Reading
from console.engine.watcher import Watcher
from console.model.probe_text import sample_text, show
from console.model.probes import PROBE_KINDS, BadWhen
from console.model.watch import ProbeSample, SampleState, Value, host_state

# How many hosts a probe's problems name, in words (the record keeps every host).
ERRORS_NAMED = 3
BAD_NAMED = 5
NO_LIMIT = "–"  # a probe that judges by words alone: nothing makes its value bad


@dataclass(frozen=True)
class ProbeReport:
    lines: list[str]
    unreachable: list[str]
    # each probe's sample as journal data, with its kind and threshold
    samples: list[dict[str, Any]]


async def probe_once(watcher: Watcher) -> ProbeReport:
    """Sample every probe once; list each with value, threshold, state and host problems."""
    await watcher.round()
    rows = [("PROBE", "KIND", "VALUE", "THRESHOLD", "STATE", "DETAIL")]
    unreachable: set[str] = set()
    samples = []
    for reading in watcher.readings.values():
        sample = reading.last
        if sample is None:
            continue
        unreachable |= {h.host for h in sample.hosts if h.unreachable}
        limit = threshold_text(reading)
        samples.append(
            {
                **sample.as_data(),
                # a vote's value counts the hosts that read bad: `shown` says it as the
                # table does ("1/1 ok", not a bare 0.0)
                "shown": sample_text(reading.probe, sample),
                "kind": reading.probe.kind.value,
                "unit": reading.probe.unit,
                "bad_when": None if limit == NO_LIMIT else limit,
            }
        )
        rows.append(
            (
                reading.key,
                reading.probe.kind.value,
                sample_text(reading.probe, sample),
                threshold_text(reading),
                sample.state.value,
                _detail(reading, sample),
            )
        )
    if len(rows) == 1:
        return ProbeReport(["no probes are configured"], [], [])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    return ProbeReport([line.rstrip() for line in lines], sorted(unreachable), samples)


def threshold_text(reading: Reading, short: bool = False) -> str:
    """What makes the probe bad: `> 0.05`, `= <hash>`, or the last known good value."""
    probe = reading.probe
    if probe.expected:
        return f"= {show(probe.expected)}"
    if probe.threshold is None:
        good = "last good" if short else "last known good"
        return NO_LIMIT if PROBE_KINDS[probe.kind].thresholded else good
    sign = ">" if probe.bad_when is BadWhen.ABOVE else "<"
    return f"{sign} {show(probe.threshold, probe.unit)}"


def _detail(reading: Reading, sample: ProbeSample) -> str:
    """The hosts' problems, then each trigger's streak; a number read with no threshold
    anywhere says that no number reads bad (it read `3  –  healthy`, a trigger never firing)."""
    parts = host_problems(reading, sample)
    if (
        threshold_text(reading) == NO_LIMIT
        and any(isinstance(h.value, float) for h in sample.hosts)
        and all(s.trigger.threshold is None for s in reading.streaks)
    ):
        parts.append("no threshold: no number it reads is bad (threshold in inventory.toml)")
    parts += [f"{s.trigger.kind.value} {s.count}/{s.trigger.consecutive}" for s in reading.streaks]
    return "; ".join(parts)


def host_problems(reading: Reading, sample: ProbeSample, named: int | None = None) -> list[str]:
    """Each host's error or verdict, then the hosts whose own value is bad (a bad round
    read `0.4 bad` with no word of which host): `bad on web-3 0.31`. A few of each are
    named, then how many more (`+195 more`): at 200 hosts, a halt's reason named each.
    `named`: at most this many of each (where room is short), else the defaults."""
    errors, bads = (named, named) if named else (ERRORS_NAMED, BAD_NAMED)
    parts = _few([f"{h.host}: {h.error}" for h in sample.hosts if h.error], errors, "in error")
    flagged = [f"{h.host}: {h.detail}" for h in sample.hosts if h.flagged]
    parts += _few(flagged, errors, "flagged")
    if sample.state is SampleState.BAD:
        probe = reading.probe
        bad = [
            _host_value(h.host, h.value, probe.unit)
            for h in sample.hosts
            if not h.flagged and host_state(probe, h, probe.threshold) is SampleState.BAD
        ]
        parts += [f"bad on {', '.join(_few(bad, bads))}"] if bad else []
    return parts


def _host_value(host: str, value: Value, unit: str) -> str:
    """A bad host and what it read: `web-3 0.31`, `edge-1 "degraded"`; a host that printed
    the word `bad` is named alone (it read `bad on edge-2 bad`)."""
    if isinstance(value, float):
        return f"{host} {show(value, unit)}"
    return host if str(value).lower() == "bad" else f'{host} "{show(value)}"'


def _few(said: list[str], most: int, what: str = "") -> list[str]:
    """The first `most - 1` of `said` and `+N more (what)` when there are more than `most`."""
    if len(said) <= most:
        return said
    return [*said[: most - 1], f"+{len(said) - most + 1} more" + (f" {what}" if what else "")]


def sample_said(reading: Reading, sample: ProbeSample) -> str:
    """A round not healthy in words, its hosts and their values named (a rollout's hold,
    a failed soak): `web/errors = 0.31 (bad > 0.05), bad on web-3 0.31`, or for a probe
    not read `web/errors not read, web-3: exit 1: ...`."""
    problems = "; ".join(host_problems(reading, sample)) or sample.detail
    if sample.state is SampleState.INCONCLUSIVE:
        return f"{reading.key} not read, {problems}"
    limit = threshold_text(reading)
    bad_when = f" (bad {limit})" if limit != NO_LIMIT else ""
    said = f"{reading.key} = {sample_text(reading.probe, sample)}{bad_when}"
    return f"{said}, {problems}" if problems else said
