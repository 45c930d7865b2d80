"""A gradual re-enable cut short between its stages (the console killed while it asked
whether to start the next one, or in the pause after a stage), held where it stood once
the incident is resumed: the record says the stage its hosts are at, and a retry goes
on with the next stage, as after a no to the question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.errors import ProcedureError
from console.engine.plan import Secrets, strategy_groups, strategy_params
from console.engine.steps import step_data
from console.model.events import Kind
from console.model.status import HostStatus, StepStatus

if TYPE_CHECKING:
    from console.engine.steps import StepExecution
    from console.model.strategies import Strategy

CUT = "the console ended before it started the next stage (resumed since)"


def hold_cut_rollouts(execution: StepExecution, secrets: Secrets) -> None:
    """Each strategy step left running by the console that died, whose hosts all passed
    the same stage of its gradual strategy, not the last: held there (`rollout.step`,
    then `rollout.held` and the step's completion, as a no to the next stage records).
    Anything else (a host unknown, failed or not started) stays as the fold reads it."""
    state, recorder = execution.state, execution.recorder
    for step in execution.settings.procedure.steps:
        st = state.steps.get(step.id)
        name = step.strategy or state.strategy
        if st is None or not st.hosts or not st.cut_short or not name:
            continue
        if st.status is not StepStatus.RUNNING:
            continue
        try:
            strategy: Strategy = execution.settings.strategy(name)
            groups, values = strategy_groups(
                strategy, strategy_params(state, name, strategy, secrets)
            )
            shares = [int(v) for v in values]
        except (StopIteration, ProcedureError, ValueError):
            continue  # no longer configured as it ran: nothing to say where it stands
        finals = [group[-1][0] for group in groups]  # each stage's last command
        reached = {
            finals.index(run.stage) if run.stage in finals else -1
            for run in st.hosts.values()
            if run.status is HostStatus.SUCCEEDED
        }
        if (
            len(shares) < 2
            or len(reached) != 1
            or any(r.status is not HostStatus.SUCCEEDED for r in st.hosts.values())
        ):
            continue
        index = reached.pop()
        if not 0 <= index < len(shares) - 1:
            continue  # the last stage passed: done, not held (V or a retry says so)
        hosts = sorted(st.hosts)
        percent, of = shares[index], len(shares)
        last = next((r for r in reversed(state.rollout) if r["step"] == step.id), None)
        if not last or (last["index"], last["ok"]) != (index + 1, True):  # recorded as it
            recorder.record(  # ended since 2026-12-04; an older console, after the question
                Kind.ROLLOUT_STEP,
                step=step.id,
                strategy=strategy.name,
                percent=percent,
                index=index + 1,
                of=of,
                ok=True,
                go_on=False,
            )
        recorder.record(
            Kind.ROLLOUT_HELD,
            step=step.id,
            strategy=strategy.name,
            percent=percent,
            of=of,
            index=index + 1,
            next_percent=shares[index + 1],
            hosts=hosts,
            reason=CUT,
        )
        execution.complete(step.id, {}, step_data(execution.settings, step))
