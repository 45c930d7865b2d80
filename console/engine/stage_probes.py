"""A gradual re-enable's health check between stages: after a stage and its pause, one
round of the affected systems' probes (the watcher's, as a probe step samples them) before
the next stage widens it. A probe that is not healthy, bad or not read, holds the rollout
at the stage it reached (`rollout.probed`, then `rollout.held` naming the probe, the hosts
and what they read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from console.engine.probe_report import sample_said, threshold_text
from console.engine.rollout import stage_data
from console.model.events import Kind
from console.model.watch import ProbeSample, SampleState, host_state, sample_text

if TYPE_CHECKING:
    from console.engine.plan import Planned
    from console.engine.watcher import Reading, Watcher
    from console.journal.recorder import Recorder

Watching = Callable[[], "Watcher"]  # the incident's watcher, made when first asked for


async def probe_stage(
    recorder: Recorder, watching: Watching, step_id: str, planned: Planned, index: int
) -> str:
    """Sample the probes of the systems stage `index` (from 0) ran on, once, and journal
    what they read; '' when each is healthy (or none watches those systems), else why the
    rollout stops here: `not healthy after the stage: web/errors = 0.31 (bad > 0.05), bad
    on web-3 0.31`."""
    watcher = watching()
    keys = watcher.keys_for(sorted({t.system for t in planned.targets}))
    if not keys:
        return ""
    samples = await watcher.round(keys)
    readings = [(watcher.readings[s.key], s) for s in samples]
    bad = [(r, s) for r, s in readings if s.state is not SampleState.HEALTHY]
    detail = "; ".join(sample_said(r, s) for r, s in bad)
    recorder.record(
        Kind.ROLLOUT_PROBED,
        step=step_id,
        **stage_data(planned, index),
        ok=not bad,
        probes={s.key: _probe_data(r, s) for r, s in readings},
        detail=detail,
    )
    return f"not healthy after the stage: {detail}" if bad else ""


def _probe_data(reading: Reading, sample: ProbeSample) -> dict[str, Any]:
    """A probe's round as `rollout.probed` holds it, with the hosts that were not healthy."""
    hosts = sample.as_data()["hosts"]
    probe = reading.probe
    problems = {
        h.host
        for h in sample.hosts
        if host_state(probe, h, probe.threshold) is not SampleState.HEALTHY
    }
    return {
        "value": sample.value,
        "shown": sample_text(reading.probe, sample),
        "state": sample.state.value,
        "threshold": threshold_text(reading),
        "unit": reading.probe.unit,
        "hosts": {h: hosts[h] for h in sorted(problems)},
    }
