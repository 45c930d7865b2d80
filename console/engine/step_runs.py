"""Running a step of the checklist, or one typed command, for a `Conductor`: what each
refuses before anything is sent, and which machinery runs it (the notifier, the stability
check, or the fan-out of planned commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.closing import open_only
from console.engine.errors import ProcedureError
from console.engine.plan import plan_step, refuse_unknown
from console.engine.steps import step_data
from console.engine.targets import targets_for
from console.model.out_of_order import ahead_of
from console.model.procedure import StepKind

if TYPE_CHECKING:
    from console.engine.conductor import Conductor


async def run_step(
    conductor: Conductor,
    step_id: str,
    only_hosts: list[str] | None = None,
    message: str | None = None,
    confirmed: str = "",
    out_of_order: bool = False,
) -> bool:
    """Run a command, strategy, notify or probe step; True when it succeeded everywhere.
    A notify step sends `message` if given (the commander's words), else its template.
    `confirmed` says who confirmed it after seeing what it sends (journalled): the
    console asks before a step that changes hosts, headless runs need --yes.
    `out_of_order`: taken ahead of the checklist's order (the console asked first; a
    headless run's status update after a failure): its start names the steps not done."""
    state = conductor.state
    open_only(state, "run a step")
    step = conductor.step(step_id)
    if step.kind not in (StepKind.COMMAND, StepKind.STRATEGY, StepKind.NOTIFY, StepKind.PROBE):
        raise ProcedureError(f"step {step.title!r} is {step.kind}, not something to run")
    if step_id in conductor.running:
        raise ProcedureError(f"step {step.title!r} is already running")
    if not state.hosts:
        raise ProcedureError("pick the affected systems first")
    said = {"confirmed": confirmed.strip()} if confirmed.strip() else {}
    ahead = ahead_of(conductor.settings, state, step_id) if out_of_order else {}
    conductor.lock_systems(state.systems)
    with conductor.activity.running({step_id}):
        if step.kind is StepKind.NOTIFY:
            edited = {"edited": True} if message else {}
            data = {**step_data(conductor.settings, step), **said, **edited}
            return await conductor.notifier.send_step(step, data, message, **ahead)
        if step.kind is StepKind.PROBE:
            systems = {state.hosts[h] for h in only_hosts or [] if h in state.hosts}
            from console.engine.verify import run_probe_step

            return await run_probe_step(conductor, step, sorted(systems) or None, **ahead)
        refuse_unknown(state.step(step_id).unknown(), step.title, only_hosts)
        ask = conductor.questions.asking(step_id, conductor.confirm_wave)
        planned = plan_step(conductor.settings, state, step, only_hosts, ask, conductor.secrets)
        return await conductor.execution.run(step, planned, ask, {**said, **ahead})


async def run_adhoc(conductor: Conductor, command: str, hosts: list[str]) -> bool:
    """Run one typed command, exactly as typed, on the given hosts; journalled as a step."""
    open_only(conductor.state, "run a command")
    if not command.strip():
        raise ProcedureError("the ad-hoc command is empty")
    known = set(conductor.settings.inventory.host_names)
    chosen = [h for h in hosts if h in known]
    if not chosen or len(chosen) != len(hosts):
        missing = ", ".join(sorted(set(hosts) - known)) or "none given"
        raise ProcedureError(f"unknown host(s): {missing}")
    targets = targets_for(conductor.settings.inventory, chosen)
    conductor.lock_systems(conductor.settings.inventory.in_order(t.system for t in targets))
    return await conductor.execution.adhoc(command, chosen, targets)
