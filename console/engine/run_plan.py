"""What a fan-out is given (its waves, its failure threshold, what happens between waves)
and what it gives back for each host."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from console.engine.targets import Target
from console.model.records import Compared
from console.model.status import FailureClass, HostStatus
from console.model.strategies import Waves
from console.model.templates import RenderedCommand

StagesFor = Callable[[Target], list[tuple[str, RenderedCommand]]]
# Asked between waves, or between a gradual strategy's stages, that say `confirm`:
# ("wave" or "stage", how many are done, how many in all, the hosts the next wave starts
# (none for a stage: every host is in every stage)) -> go on?
BetweenWaves = Callable[[str, int, int, Sequence[str]], Awaitable[bool]]
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
    between_waves: BetweenWaves | None = None
    probe_between: ProbeBetween | None = None
    on_jump_host: bool = False  # each host's commands run here, not over SSH (but health)
    judge: Judge | None = None
    # a gradual re-enable's stage this run is: its number from 1, how many, its share (%)
    stage: tuple[int, int, int | float] | None = None


def wave_started(plan: RunPlan, wave: int, waves: int, hosts: list[str]) -> dict[str, Any]:
    """A wave's `wave.started` record: its number, of how many, its hosts, and in a
    gradual re-enable the stage it is of (its number, how many, its share)."""
    started: dict[str, Any] = {"wave": wave, "waves": waves, "hosts": hosts}
    if plan.stage is not None:
        stage, stages, percent = plan.stage
        started |= {"stage": stage, "stages": stages, "percent": percent}
    return started
