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
from console.model.kinds import share
from console.model.status import HostStatus, StepStatus

if TYPE_CHECKING:
    from console.engine.run_plan import HostOutcome
    from console.engine.steps import StepExecution
    from console.model.strategies import Strategy


def hold_cut_rollouts(execution: StepExecution, secrets: Secrets) -> None:
    """Each strategy step left running by the console that died, whose hosts all passed
    the same stage of its gradual strategy, not the last: held there (`rollout.step`,
    then `rollout.held` and the step's completion, as a no to the next stage records).
    Anything else (a host unknown, failed or not started) stays as the fold reads it."""
    state = execution.state
    for step in execution.settings.procedure.steps:
        st = state.steps.get(step.id)
        if st is None or not st.hosts or not st.cut_short:
            continue
        if st.status is not StepStatus.RUNNING:
            continue
        if any(r.status is not HostStatus.SUCCEEDED for r in st.hosts.values()):
            continue
        if _hold(execution, secrets, step.id, [], CUT):
            execution.complete(step.id, {}, step_data(execution.settings, step))


def hold_settled_rollout(
    execution: StepExecution, secrets: Secrets, step_id: str, outcomes: dict[str, HostOutcome]
) -> None:
    """A gradual strategy's step whose console died during a stage, its hosts left
    unknown there then settled by V (before the step's completion is recorded): the hosts
    that passed the stage, not the last, stay there, held, as a stage that fails on some
    hosts holds the others in a run, never `succeeded`, which reads as the rollout done
    (`◐ held`; a retry goes on as after any hold). Their `outcomes` say so too."""
    runs = execution.state.step(step_id).hosts
    failed = sorted(
        h for h, r in runs.items() if r.status in (HostStatus.FAILED, HostStatus.ABORTED)
    )
    for host in _hold(execution, secrets, step_id, failed, SETTLED):
        if host in outcomes:
            outcomes[host].status = HostStatus.HELD


def _hold(
    execution: StepExecution, secrets: Secrets, step_id: str, failed: list[str], why: str
) -> list[str]:
    """The hosts of `step_id` that succeeded, if they all passed the same stage of its
    gradual strategy, not the last: held there (`rollout.step`, then `rollout.held`, as a
    no to the next stage records), for `why`, or because the stage `failed` on those
    hosts. The hosts held."""
    state, recorder = execution.state, execution.recorder
    st = state.steps.get(step_id)
    try:
        name = execution.settings.procedure.step(step_id).strategy or state.strategy
        if st is None or not name:
            return []
        strategy: Strategy = execution.settings.strategy(name)
        groups, values = strategy_groups(strategy, strategy_params(state, name, strategy, secrets))
        shares = [share(v) for v in values]
    except (StopIteration, ProcedureError, ValueError):
        return []  # an undo, or no longer configured as it ran: nothing to say
    finals = [group[-1][0] for group in groups]  # each stage's last command
    hosts = sorted(h for h, r in st.hosts.items() if r.status is HostStatus.SUCCEEDED)
    reached = {finals.index(s) if (s := st.hosts[h].stage) in finals else -1 for h in hosts}
    if len(shares) < 2 or len(reached) != 1:
        return []
    index = reached.pop()
    if not 0 <= index < len(shares) - 1:
        return []  # the last stage passed: done, not held (V or a retry says so)
    percent, of = shares[index], len(shares)
    if failed:
        why = f"stage {index + 1} failed on {', '.join(failed)}"
    last = next((r for r in reversed(state.rollout) if r["step"] == step_id), None)
    if not last or (last["index"], last["ok"]) != (index + 1, not failed):  # recorded as it
        recorder.record(  # ended since 2026-12-04; an older console, after the question
            Kind.ROLLOUT_STEP,
            step=step_id,
            strategy=strategy.name,
            percent=percent,
            index=index + 1,
            of=of,
            ok=not failed,
            go_on=False,
            failed=failed,
        )
    recorder.record(
        Kind.ROLLOUT_HELD,
        step=step_id,
        strategy=strategy.name,
        percent=percent,
        of=of,
        index=index + 1,
        next_percent=shares[index + 1],
        hosts=hosts,
        reason=why,
    )
    return hosts


CUT = "the console ended before it started the next stage (resumed since)"
SETTLED = "the console ended during the stage (its hosts verified since)"
