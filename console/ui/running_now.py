"""What runs now, as a dialog names it (the quit dialog, an abort's reason): the steps,
the hosts their commands run on, the hosts not started yet, and which runs these are
(the engine's Activity.runs). A dialog keeps what it showed; an answer to it holds only
while those same runs run: never for what runs after them (a drill's next step, a step
started again), which nobody was asked about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


@dataclass(frozen=True)
class RunningNow:
    steps: tuple[str, ...]  # their titles, quoted
    hosts: tuple[str, ...]  # a command runs there now
    waiting: tuple[str, ...]  # their turn not come yet (more hosts than run at once, waves)
    runs: frozenset[int]

    @property
    def titles(self) -> str:
        return ", ".join(self.steps)


def running_now(conductor: Conductor | None) -> RunningNow | None:
    """What `conductor` runs now; None if nothing."""
    if conductor is None or not conductor.running:
        return None
    state, running = conductor.state, sorted(conductor.running)
    return RunningNow(
        steps=tuple(f"“{conductor.step(s).title}”" if s in conductor.order else s for s in running),
        hosts=tuple(conductor.running_hosts()),
        waiting=tuple(
            h for s in running for h in state.step(s).targets if h not in state.step(s).hosts
        ),
        runs=conductor.activity.runs,
    )


def gone(conductor: Conductor | None, shown: RunningNow, answer: str) -> str | None:
    """Why an `answer` ("abort", "detach") to a dialog that showed `shown` no longer holds
    (what it named ended, or something started beside it), in a line that says nothing
    was done; None while `shown` is what runs."""
    now = running_now(conductor)
    if now is not None and now.runs == shown.runs:
        return None
    nothing = f"nothing was {answer}ed"
    if now is not None and shown.runs < now.runs:  # still runs, and more beside it
        return f"What runs changed before your {answer} (now {now.titles}): {nothing}."
    return f"{shown.titles} ended before your {answer}: {nothing}."
