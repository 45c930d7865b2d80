"""From a rollback to "verified stable": a firing journalled once, the soak that verifies
stability, and the recovery time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from console.engine.probe_report import sample_said, threshold_text
from console.engine.reassess import reassess
from console.engine.watcher import Watcher, WatchUpdate
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.probe_text import sample_text
from console.model.procedure import Step
from console.model.recovery import measure_recovery
from console.model.settings import Settings
from console.model.status import StepStatus
from console.model.status_summary import aborted_soak
from console.model.step_state import checking_cut_short
from console.model.trigger_settings import Soak
from console.model.watch import ProbeSample, SampleState, SoakProgress, SoakStatus

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


async def soak(
    watcher: Watcher,
    recorder: Recorder,
    soak_options: Soak,
    systems: list[str],
    step: str,
    aborted: Callable[[], str | None] = lambda: None,
    abort_signal: asyncio.Event | None = None,
    cut: Callable[[], str | None] = lambda: None,
) -> SoakProgress:
    """Sample the systems' probes round by round until they stay healthy for the soak
    window, or the remaining rounds cannot make it, or the run is `aborted` (its reason;
    `abort_signal` ends the wait between rounds at once), or `cut` (a headless command's
    terminal gone: it ends judging nothing, still waiting); every round is journalled."""
    keys = watcher.keys_for(systems)
    progress = SoakProgress(needed=soak_options.samples, limit=soak_options.limit)
    attempt = 1 + int(recorder.state.soak.get(step, {}).get("attempt", 0))

    def report(samples: list[ProbeSample]) -> None:
        data: dict[str, Any] = {
            "attempt": attempt,
            "healthy": progress.healthy,
            "needed": progress.needed,
            "round": progress.rounds,
            "limit": progress.limit,
            "status": progress.status.value,
            "detail": progress.detail,
            "probes": {
                s.key: {
                    "value": s.value,
                    "shown": sample_text(watcher.readings[s.key].probe, s),
                    "state": s.state.value,
                    "threshold": threshold_text(watcher.readings[s.key]),
                    "unit": watcher.readings[s.key].probe.unit,
                }
                for s in samples
            },
        }
        recorder.record(Kind.SOAK_PROGRESS, step=step, **data)
        watcher.emit(WatchUpdate("soak", data=data))

    if not keys:
        progress.status = SoakStatus.FAILED
        progress.detail = (
            f"no probes watch {', '.join(systems)}: add [[systems.probes]] to"
            " inventory.toml, or skip this step with a reason"
        )
        report([])
        return progress
    interval = soak_options.interval or max(watcher.readings[k].probe.interval for k in keys)
    for index in range(progress.limit):
        if index:
            await watcher.pause(interval, abort_signal)
        if reason := aborted():
            progress.status, progress.detail = SoakStatus.FAILED, f"aborted: {reason}"
            report([])  # its end on record: it no longer reads as running
            break
        if cut():
            break
        # every round's readings, each host's (the document's after; a thinned one lost them)
        samples = await watcher.round(keys, journalled="soak")
        said = {
            s.key: sample_said(watcher.readings[s.key], s)
            for s in samples
            if s.state is not SampleState.HEALTHY
        }
        progress.observe({s.key: s.state for s in samples}, said)
        report(samples)
        if progress.status is not SoakStatus.WAITING:
            break
    return progress


def record_recovery(
    recorder: Recorder,
    settings: Settings,
    systems: list[str],
    targets: dict[str, float | None] | None = None,
) -> None:
    """Recovery time per system, from the first trigger event (a drill's injected fault)
    to now (verified stable), against `targets` (a drill's) or the system's RTO."""
    started = recorder.state.first_trigger_at
    if started is None:
        return
    # a drill's, as its start recorded them: the console that resumes one has no others
    targets = targets or (recorder.state.scenario or {}).get("targets")
    verified, now = recorder.clock.now(), recorder.clock.monotonic()
    # timed on this process's monotonic clock when this process wrote where it started
    # (a console resumed after a reboot has another: the wall clock's then)
    state = recorder.state
    mono = state.first_trigger_mono
    timed = (
        now - mono if mono is not None and state.first_trigger_seq > recorder.opened_seq else None
    )
    for name in systems:
        rto = (targets or {}).get(name, settings.inventory.system(name).rto_minutes)
        recovery = measure_recovery(name, started, verified, rto, timed)
        clock: dict[str, Any] = {"clock": recovery.clock} if recovery.clock else {}
        if recovery.wall_step is not None:
            clock["wall_step"] = recovery.wall_step
        recorder.record(
            Kind.RECOVERY_MEASURED,
            system=name,
            started=started.isoformat(),
            verified=verified.isoformat(),
            seconds=recovery.seconds,
            rto_minutes=rto,
            verdict=recovery.verdict,
            **clock,
        )


async def run_probe_step(
    conductor: Conductor,
    step: Step,
    systems: list[str] | None = None,
    **ahead: Any,
) -> bool:
    """Verify stability: the selected systems' (or `systems`') probes must stay healthy
    for the soak window; on a pass, their recovery time is measured. A failed soak
    fails the step. `ahead`: its start's `ahead_of`, if any."""
    recorder, settings = conductor.recorder, conductor.settings
    watcher = conductor.watching()
    subset: dict[str, Any] = {"systems": list(systems)} if systems else {}
    systems = list(systems or conductor.state.systems)
    data = {"title": step.title, "phase": settings.procedure.phase_of(step.id).value}
    recorder.record(Kind.STEP_STARTED, step=step.id, hosts=[], **subset, **data, **ahead)
    window = step.soak or settings.triggers.soak
    runner = conductor.runner
    runner.arm()  # as a step run by the runner starts
    progress = await soak(
        watcher,
        recorder,
        window,
        systems,
        step.id,
        lambda: runner.aborted,
        runner.abort_signal,
        lambda: runner.hung_up,
    )
    if progress.status is SoakStatus.WAITING and runner.hung_up:
        # A headless command's terminal gone: cut short, as the console's end cuts it, never
        # failed (it read '✘ failed', 'aborted: terminal closed (SIGHUP)', once resumed).
        soak_so_far = recorder.state.soak.get(step.id)
        said = checking_cut_short(runner.hung_up, soak_so_far)
        recorder.record(
            Kind.STEP_COMPLETED, step=step.id, status=StepStatus.STOPPED.value, summary=said, **data
        )
        return False
    ok = progress.status is SoakStatus.PASSED
    after = ""
    if ok:
        record_recovery(recorder, settings, systems, conductor.recovery_targets)
        after = await reassess(conductor, step)
    recorder.record(
        Kind.STEP_COMPLETED,
        step=step.id,
        status=(StepStatus.DONE if ok else StepStatus.FAILED).value,
        summary=(
            f"stable for {progress.needed} sample(s) in a row" + (f"; {after}" if after else "")
            if ok
            else f"not stable after {progress.rounds} round(s): {progress.detail}"
            if progress.rounds and not aborted_soak(progress.detail)
            else f"not judged, stopped after {progress.rounds} round(s): {progress.detail}"
            if progress.rounds
            else f"not verified, nothing sampled: {progress.detail}"
        ),
        **data,
    )
    return ok
