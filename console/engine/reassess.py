"""Once stability is verified, read every host's state again with the procedure's own
assessment command, so the record holds each value before and after the rollback
(release 2.4.1 → 2.4.0, error_rate 0.31 → 0.006)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.assessment import Collector, record_assessment
from console.engine.plan import plan_step
from console.model.procedure import Step, StepRecord
from console.model.state import HostStatus
from console.model.step_state import READ_AGAIN

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


def assessment_step(conductor: Conductor) -> Step | None:
    """The procedure's assessment step, if it ran."""
    for step in conductor.settings.procedure.steps:
        if step.records is StepRecord.ASSESSMENT and conductor.state.step(step.id).hosts:
            return step
    return None


async def reassess(conductor: Conductor, verifying: Step) -> str:
    """Run the assessment command again, as part of `verifying`, on the hosts it read
    before whose latest outcome is a success, or that needed nothing (a precheck refused
    them in a step done on the others: they are checked as much); a host left failed keeps
    that result. Says how many hosts were read, for the step's summary."""
    assess = assessment_step(conductor)
    state = conductor.state
    if assess is None:
        return ""
    needed = {h for st in state.steps.values() for h in st.needed_nothing()}
    hosts = [
        h
        for h in state.hosts
        if h in state.assessment
        and (run := state.latest_run(h)) is not None
        and (
            run.status is HostStatus.SUCCEEDED or (run.status is HostStatus.REFUSED and h in needed)
        )
    ]
    if not hosts:
        return ""
    planned = plan_step(conductor.settings, state, assess, hosts, None, conductor.secrets)
    runs = state.step(verifying.id).hosts.values()
    attempt = 1 + max((r.attempt for r in runs), default=0)
    with Collector(conductor.recorder, verifying.id) as collected:
        outcomes = await conductor.runner.run(
            verifying.id,
            planned.targets,
            lambda t: [(READ_AGAIN, command) for _, command in planned.groups_for(t)[0]],
            attempt=attempt,
            plan=planned.run,
        )
    record_assessment(conductor.recorder, verifying.id, outcomes, collected.lines, stage="after")
    read = sum(1 for o in outcomes.values() if o.status is HostStatus.SUCCEEDED)
    return f"state read again on {read} of {len(outcomes)} host(s)"
