"""The health check between a gradual re-enable's stages, and between a strategy's waves:
after a stage (or wave) and its pause, one round of the affected systems' probes (the
watcher's, as a probe step samples them) before the next widens it. A probe that is not
healthy, bad or not read, holds the rollout at the stage it reached (`rollout.probed`, then
`rollout.held`), or halts the run before the next wave (`wave.probed`, then `run.halted`),
naming the probe, the hosts and what they read."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from console.engine.probe_report import sample_said, threshold_text
from console.engine.rollout import stage_data
from console.model.events import Kind
from console.model.probe_text import sample_text
from console.model.watch import ProbeSample, SampleState, aggregate, host_state

if TYPE_CHECKING:
    from console.engine.plan import Planned
    from console.engine.reading import Reading
    from console.engine.targets import Target
    from console.engine.watcher import Watcher
    from console.journal.recorder import Recorder

Watching = Callable[[], "Watcher"]  # the incident's watcher, made when first asked for


async def probe_stage(
    recorder: Recorder,
    watching: Watching,
    step_id: str,
    planned: Planned,
    index: int,
    confirmed: bool = False,
) -> str:
    """Sample the probes of the systems stage `index` (from 0) ran on, once, and journal
    what they read; '' when each is healthy (or none watches those systems), else why the
    rollout stops here: `not healthy after the stage: web/errors = 0.31 (bad > 0.05), bad
    on web-3 0.31`. A probe that reads each host alone is judged on the stage's hosts: one
    the re-enable was not run on (left out with --hosts: down for maintenance) neither
    holds it nor lets it go on; a reading of the whole system is judged whole."""
    detail = await _probe_round(
        recorder,
        watching,
        step_id,
        planned.targets,
        Kind.ROLLOUT_PROBED,
        stage_data(planned, index) | ({"confirmed": True} if confirmed else {}),
        {t.name for t in planned.targets},
        whole=True,
    )
    when = f"when stage {index + 2} was confirmed" if confirmed else "after the stage"
    return f"not healthy {when}: {detail}" if detail else ""


def read_time() -> float:
    """When a round was read, on the clock that paces the probes' intervals (the event
    loop's: the watcher waits on it), not the journal's."""
    return asyncio.get_running_loop().time()


def read_again(watching: Watching, targets: list[Target], since: float) -> bool:
    """Whether a probe of the targets' systems would have read again since `since` (the
    round a question was asked on, read_time): a yes given later than its shortest
    interval is judged on a round of its own. Seen: asked after a healthy 50 % stage, a
    host's error rate went to 0.4, the live watcher fired, and a yes half a minute later
    raised every host to 100 %."""
    watcher = watching()
    keys = watcher.keys_for(sorted({t.system for t in targets}))
    intervals = [watcher.readings[k].probe.interval for k in keys]
    return bool(intervals) and read_time() - since >= min(intervals)


async def probe_wave(
    recorder: Recorder,
    watching: Watching,
    step_id: str,
    targets: list[Target],
    wave: tuple[int, int],
    changed: list[str],
    confirmed: bool = False,
) -> str:
    """The same round after wave `done` of `of` (and its pause), before the next starts,
    judged on the hosts whose change succeeded so far (`changed`): the others still run
    what is being rolled back, and a reading of the whole system (an HTTP probe of one URL)
    mixes both, so neither is judged. '' when each probe reads healthy there, else why the
    next wave is not started."""
    done, of = wave
    data = {"wave": done, "of": of, "hosts": sorted(changed)} | (
        {"confirmed": True} if confirmed else {}
    )
    judged = set(changed)
    detail = await _probe_round(
        recorder, watching, step_id, targets, Kind.WAVE_PROBED, data, judged
    )
    when = f"when wave {done + 1} was confirmed" if confirmed else f"after wave {done}"
    return f"not healthy {when}: {detail}" if detail else ""


async def _probe_round(
    recorder: Recorder,
    watching: Watching,
    step_id: str,
    targets: list[Target],
    kind: Kind,
    data: dict[str, Any],
    judged: set[str] | None = None,
    whole: bool = False,
) -> str:
    """One round of the probes of the `targets`' systems, journalled as `kind` with `data`;
    '' when each is healthy (or none watches those systems), else the ones that are not.
    With `judged`, each probe is read on those hosts only (a probe with none is left out;
    with `whole`, a probe that reads the whole system at once is kept as it read)."""
    watcher = watching()
    keys = watcher.keys_for(sorted({t.system for t in targets}))
    if not keys:
        return ""
    samples = await watcher.round(keys)
    readings = [(watcher.readings[s.key], s) for s in samples]
    if judged is not None:
        kept = [
            (r, s if whole and not r.probe.per_host else _on_hosts(r, s, judged))
            for r, s in readings
        ]
        readings = [(r, s) for r, s in kept if s is not None]
    bad = [(r, s) for r, s in readings if s.state is not SampleState.HEALTHY]
    detail = "; ".join(sample_said(r, s) for r, s in bad)
    recorder.record(
        kind,
        step=step_id,
        **data,
        ok=not bad,
        probes={s.key: _probe_data(r, s) for r, s in readings},
        detail=detail,
    )
    return detail


def _on_hosts(reading: Reading, sample: ProbeSample, hosts: set[str]) -> ProbeSample | None:
    """The round as read on `hosts` alone, combined as the probe combines its hosts; None
    when it read none of them."""
    mine = tuple(h for h in sample.hosts if h.host in hosts)
    if not mine:
        return None
    value, state = aggregate(reading.probe, list(mine), sample.threshold)
    return dataclasses.replace(sample, hosts=mine, value=value, state=state)


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
