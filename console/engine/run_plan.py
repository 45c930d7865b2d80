"""What a fan-out is given (its waves, its failure threshold, what happens between waves)
and what it gives back for each host."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from console.engine.targets import Target
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.outcome import named
from console.model.records import Compared
from console.model.status import FailureClass, HostStatus
from console.model.strategies import Waves
from console.model.templates import RenderedCommand

NOBODY = "nobody to confirm it"  # why waves that ask stopped with nobody to ask
_WENT_ON = (HostStatus.SUCCEEDED, HostStatus.REFUSED)  # a wave's hosts a yes may follow

StagesFor = Callable[[Target], list[tuple[str, RenderedCommand]]]
# Asked between waves, or between a gradual strategy's stages, that say `confirm`:
# ("wave" or "stage", how many are done, how many in all, the hosts the next wave starts
# (none for a stage: every host is in every stage)) -> go on?
BetweenWaves = Callable[[str, int, int, Sequence[str]], Awaitable[bool]]


class AskBetween(Protocol):
    """BetweenWaves as a run asks it, the question journalled first (engine/questions.py):
    a gradual strategy's stage also gives the share it set and the next one's (`shares`),
    which the record of the question keeps."""

    def __call__(
        self,
        what: str,
        done: int,
        total: int,
        hosts: Sequence[str] = (),
        shares: tuple[int | float, int | float] | None = None,
    ) -> Awaitable[bool]: ...


# The systems' probes read after wave `done` of `of` (and its pause), judged on the hosts
# whose change succeeded so far: '' when healthy, else why the next wave must not start.
# (wave done, of, hosts changed, again: after a yes, read again if the probes could have)
ProbeBetween = Callable[[int, int, list[str], bool], Awaitable[str]]
# A data-touching step's judge of a host once its last stage succeeded: why its data
# fails the step (an integrity mismatch or a missing record), or None.
Judge = Callable[[str], FailureClass | None]


@dataclass(repr=False, eq=False)
class HostOutcome(Compared):
    host: str
    status: HostStatus
    failure: FailureClass | None = None
    exit_status: int | None = None


@dataclass(repr=False, eq=False)
class RunPlan(Compared):
    """How a step fans out: waves, the failure threshold, and what happens between waves."""

    waves: Waves = field(default_factory=Waves)
    max_fail_percentage: float | None = None
    timeout: float | None = None
    between_waves: AskBetween | None = None
    probe_between: ProbeBetween | None = None
    on_jump_host: bool = False  # each host's commands run here, not over SSH (but health)
    judge: Judge | None = None
    # a gradual re-enable's stage this run is: its number from 1, how many, its share (%)
    stage: tuple[int, int, int | float] | None = None
    # Its caller records the step's end (or the stage's) at once, fsync'd: the last wave's
    # end is written and folded, and made durable with it, not by an fsync of its own.
    end_follows: bool = False


def wave_started(plan: RunPlan, wave: int, waves: int, hosts: list[str]) -> dict[str, Any]:
    """A wave's `wave.started` record: its number, of how many, its hosts, and in a
    gradual re-enable the stage it is of (its number, how many, its share)."""
    started: dict[str, Any] = {"wave": wave, "waves": waves, "hosts": hosts}
    if plan.stage is not None:
        stage, stages, percent = plan.stage
        started |= {"stage": stage, "stages": stages, "percent": percent}
    return started


def wave_finished(done: list[HostOutcome]) -> dict[str, Any]:
    """`wave.finished`'s counts of a wave's outcomes: the statuses beyond succeeded and
    failed only when there are some (older lines stay as they were), and the hosts left
    unknown by name."""
    counts: dict[str, Any] = {
        "succeeded": sum(o.status is HostStatus.SUCCEEDED for o in done),
        "failed": sum(o.status is HostStatus.FAILED for o in done),
    }
    for status in (
        HostStatus.REFUSED,
        HostStatus.UNKNOWN,
        HostStatus.ABORTED,
        HostStatus.NOT_STARTED,
    ):
        if many := sum(o.status is status for o in done):
            counts[status.name.lower()] = many
    if lost := [o.host for o in done if o.status is HostStatus.UNKNOWN]:
        counts["unknown_hosts"] = lost
    return counts


def max_fail_why(count: tuple[int, int, int], plan: RunPlan) -> str:
    """Why a run halts past its max_fail_percentage, `count` being its hosts (failed or
    unknown, of them, unknown). `had`: more may fail after, among the hosts running then
    (seen: not started "11 of 200 failed" beside "13 failed"). Unknown hosts count against
    the limit (their change may have failed) and are said so, never failed (an undo lost
    on its canary read '1 of 3 hosts had failed or were unknown')."""
    failed, total, unknown = count
    said = "had failed"
    if unknown and unknown == failed:  # none failed: lost mid-change, or still under way
        said = "were unknown, none had failed"
    elif unknown:
        said = f"had failed or were unknown, {unknown} of them unknown"
    percentage = plan.max_fail_percentage
    return f"{failed} of {total} hosts {said}, more than max_fail_percentage {percentage:g}%"


def max_fail_halt(
    recorder: Recorder, step: str, count: tuple[int, int, int], plan: RunPlan
) -> Callable[[], None]:
    """What journals that the run halted past its max_fail_percentage (`max_fail_why`):
    called once the halt holds something back (a host not sent its first command, a
    gradual rollout's later stage), never where every host had begun already."""

    def record() -> None:
        recorder.record(
            Kind.RUN_HALTED,
            step=step,
            reason=max_fail_why(count, plan),
            failed=count[0],
            total=count[1],
            max_fail_percentage=plan.max_fail_percentage,
        )

    return record


def wave_halt(
    recorder: Recorder,
    step: str,
    wave: tuple[int, int],
    halt: tuple[str, bool, dict[str, HostOutcome]],
    failed_of: tuple[int, int],
) -> str:
    """Journal that the hosts after wave `wave` (its number, of how many) are not
    started; why: `halt` holds the probes' finding ('' when healthy), whether the waves
    asked, and the outcomes so far (a no after a wave whose hosts did not all succeed
    says which: --yes gives none then)."""
    number, total = wave
    unhealthy, asked, outcomes = halt
    bad = [h for h, o in outcomes.items() if o.status not in _WENT_ON]
    no = f"not confirmed ({named(bad)} did not succeed)" if bad else "not confirmed"
    halted = f"wave {number + 1} of {total}: {unhealthy or (no if asked else NOBODY)}"
    by_probes: dict[str, Any] = {"probes": True} if unhealthy else {}  # not a no
    failed, total_hosts = failed_of
    recorder.record(
        Kind.RUN_HALTED, step=step, reason=halted, failed=failed, total=total_hosts, **by_probes
    )
    return halted
