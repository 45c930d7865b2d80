"""What a step would send: every host's commands rendered, checked and quoted, in
groups that run one after another, before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.engine.errors import ProcedureError
from console.engine.runner import BetweenWaves, RunPlan
from console.engine.ssh import Target, targets_for
from console.model.procedure import Step, StepKind
from console.model.settings import Settings
from console.model.state import IncidentState
from console.model.strategies import Strategy, StrategyKind
from console.model.templates import ParameterError, check_value, in_workdir, render

Groups = list[list[tuple[str, str, dict[str, str]]]]
GroupsFor = Callable[[Target], list[list[tuple[str, str]]]]


@dataclass
class Planned:
    """A step's hosts, their rendered command groups, and how the run fans out."""

    groups_for: GroupsFor
    targets: list[Target]
    run: RunPlan
    strategy: Strategy | None


def check_params(strategy: Strategy, given: dict[str, str]) -> dict[str, str]:
    declared = {p.name: p for p in strategy.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ProcedureError(f"strategy {strategy.name!r} has no parameter {unknown[0]!r}")
    values = {}
    for p in strategy.params:
        value = given.get(p.name, p.default)
        if value is None:
            if p.required:
                raise ProcedureError(f"parameter {p.name!r} of {strategy.name!r} is required")
            continue
        try:
            values[p.name] = check_value(p.name, str(value), p.type.value, p.pattern)
        except ParameterError as exc:
            raise ProcedureError(str(exc)) from None
    return values


def strategy_groups(strategy: Strategy, params: dict[str, str]) -> Groups:
    """One group for most kinds; a gradual re-enable has one group per percentage."""
    stages = [(s, tpl, {}) for s, tpl in strategy.commands.stages()]
    if strategy.kind is not StrategyKind.FEATURE_REENABLE:
        return [stages]
    commands = strategy.commands
    groups: Groups = []
    for index, percent in enumerate(params.get("steps", "100").split(",")):
        group = [("precheck", commands.precheck, {})] if index == 0 and commands.precheck else []
        group.append((f"set {percent}%", commands.action, {"percent": percent}))
        if commands.verify:
            group.append((f"check {percent}%", commands.verify, {"percent": percent}))
        groups.append(group)
    return groups


def strategy_params(state: IncidentState, name: str, strategy: Strategy) -> dict[str, str]:
    """The chosen strategy's parameters, checked again (the journal may be older than
    the config), else another strategy's defaults."""
    chosen = name == state.strategy
    return check_params(strategy, dict(state.params) if chosen else {})


def render_command(
    state: IncidentState, template: str, target: Target, params: dict[str, str]
) -> str:
    """One host's command: placeholders shell-quoted, run in the host's workdir."""
    values = {
        **params,
        "host": target.name,
        "system": target.system,
        "incident": state.incident_id or "",
    }
    try:
        return in_workdir(render(template, values), target.workdir)
    except ParameterError as exc:
        raise ProcedureError(str(exc)) from None


def plan_step(
    settings: Settings,
    state: IncidentState,
    step: Step,
    only_hosts: list[str] | None,
    between_waves: BetweenWaves | None,
) -> Planned:
    """Render every host's commands, in groups that run one after another."""
    hosts = [h for h in state.hosts if not only_hosts or h in only_hosts]
    if step.kind is StepKind.COMMAND:
        template = step.command or ""
        targets = targets_for(settings.inventory, hosts)
        rendered = {t.name: [[("run", render_command(state, template, t, {}))]] for t in targets}
        return Planned(lambda t: rendered[t.name], targets, RunPlan(), None)
    name = step.strategy or state.strategy
    if not name:
        raise ProcedureError("choose a strategy before running the restore step")
    strategy = settings.strategy(name)
    applies = [h for h in hosts if name in settings.inventory.system(state.hosts[h]).strategies]
    if not applies:
        raise ProcedureError(f"strategy {name!r} applies to none of the selected hosts")
    params = strategy_params(state, name, strategy)
    groups = strategy_groups(strategy, params)
    targets = targets_for(settings.inventory, applies)
    # Render for every host before anything is sent: a bad value stops the step here.
    rendered = {
        t.name: [
            [(s, render_command(state, tpl, t, {**params, **x})) for s, tpl, x in g] for g in groups
        ]
        for t in targets
    }
    run = RunPlan(
        waves=strategy.waves,
        max_fail_percentage=strategy.max_fail_percentage,
        timeout=strategy.timeout,
        between_waves=between_waves,
    )
    return Planned(lambda t: rendered[t.name], targets, run, strategy)
