"""What a step would send: every host's commands rendered, checked and quoted, in
groups that run one after another, before anything is sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from console.engine.errors import ParameterRefused, ProcedureError
from console.engine.run_plan import AskBetween, RunPlan
from console.engine.targets import Target, targets_for
from console.journal.redact import MASK
from console.model.kinds import HEALTH, STRATEGY_KINDS, is_health, stage_problem
from console.model.presets import find_preset
from console.model.problems import did_you_mean
from console.model.procedure import Step, StepKind
from console.model.records import Compared
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState
from console.model.status import COMMAND_STAGE
from console.model.strategies import RunsOn, Strategy
from console.model.templates import (
    ParameterError,
    Redact,
    RenderedCommand,
    check_value,
    render_command,
)

Groups = list[list[tuple[str, str, dict[str, str]]]]
GroupsFor = Callable[[Target], list[list[tuple[str, RenderedCommand]]]]


@dataclass(repr=False, eq=False)
class Planned(Compared):
    """A step's hosts, their rendered command groups, and how the run fans out."""

    groups_for: GroupsFor
    targets: list[Target]
    run: RunPlan
    strategy: Strategy | None
    # A gradual kind: each group's value (e.g. its percentage), in order; else empty.
    values: list[str] = field(default_factory=list)
    start: int = 0  # the first group sent: a held rollout goes on with its next stage


def _unchanged(text: str) -> str:
    return text


def check_params(
    strategy: Strategy, given: dict[str, str], redact: Redact = _unchanged
) -> dict[str, str]:
    """The strategy's parameters: given values or defaults, each checked against its type
    and pattern. A refusal quotes the value, so it is masked with `redact` first."""
    declared = {p.name: p for p in strategy.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        hint = did_you_mean(unknown[0], declared)
        raise ProcedureError(
            f"strategy {strategy.name!r} has no parameter {unknown[0]!r}{hint}"
            f" (its parameters: {', '.join(declared) or 'none'})"
        )
    values = {}
    for p in strategy.params:
        if p.secret and p.name in given and given[p.name] != p.default:
            raise ParameterRefused(
                f"parameter {p.name!r} of {strategy.name!r} names a secret: set it in"
                " strategies.toml (so that it is redacted), not for one run",
                p.name,
            )
        value = given.get(p.name, p.default)
        if value is None or (value == "" and p.required):  # a field left empty gives ""
            if p.required:
                raise ParameterRefused(
                    f"parameter {p.name!r} of {strategy.name!r} is required", p.name
                )
            continue
        try:
            values[p.name] = check_value(
                p.name, str(value), p.type.value, p.pattern, p.description, p.takes
            )
        except ParameterError as exc:
            raise ParameterRefused(redact(str(exc)), p.name) from None
    preset = find_preset(strategy.kind, strategy.preset) if strategy.preset else None
    if preset and (both := preset.contradiction(values)):  # said here, not on a host
        raise ParameterRefused(
            f"parameters {' and '.join(both)} of {strategy.name!r} are both given: one at most (an empty value clears one)",
            both[-1],
        )
    if preset and (ahead := preset.ahead(values, datetime.now(UTC))):  # said here too
        name, why = ahead
        raise ParameterRefused(f"parameter {name!r}: {why}", name)
    return values


def strategy_groups(strategy: Strategy, params: dict[str, str]) -> tuple[Groups, list[str]]:
    """One group for most kinds; a gradual kind (its stepping in STRATEGY_KINDS) has one
    group per value of its stepping parameter. The groups, and those values."""
    stepping = STRATEGY_KINDS[strategy.kind].stepping
    if stepping is None:
        return [[(s, tpl, {}) for s, tpl in strategy.commands.stages()]], []
    commands = strategy.commands
    values = stepping.values(params)
    if problem := stage_problem(stepping, values):  # before anything is sent
        raise ProcedureError(f"strategy {strategy.name}: {problem}")
    groups: Groups = []
    for index, value in enumerate(values):
        given = {stepping.value: value}
        group: list[tuple[str, str, dict[str, str]]] = []
        if index == 0 and commands.precheck:
            group.append(("precheck", commands.precheck, {}))
        group.append((f"set {value}{stepping.unit}", commands.action, given))
        if commands.verify:
            group.append((f"check {value}{stepping.unit}", commands.verify, given))
        if commands.health:
            group.append((f"{HEALTH} {value}{stepping.unit}", commands.health, given))
        groups.append(group)
    return groups, values


class Secrets(NamedTuple):
    """What turns the journal's masked record back into what hosts must get: the
    parameter values given to this process (the journal holds them masked), and the
    redaction that makes each command's shown form."""

    redact: Redact = _unchanged
    given: tuple[str, dict[str, str]] | None = None  # strategy name, its real values


def strategy_params(
    state: IncidentState,
    name: str,
    strategy: Strategy,
    secrets: Secrets,
    instead: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The chosen strategy's parameters, checked again (the journal may be older than
    the config), else another strategy's defaults; `instead`: values given for this
    command alone in place of those (an undo's --param, --param-default).

    The real values are those given to this process. After a resume only the journal's
    copy is left, and a value it holds masked is unknown here: the step is refused,
    never run with the mask in place of the secret (unless the mask hides the
    parameter's configured default, which is known)."""
    instead = dict(instead or {})
    if name != state.strategy:
        return check_params(strategy, instead, secrets.redact)
    if secrets.given is not None and secrets.given[0] == name:
        return check_params(strategy, secrets.given[1] | instead, secrets.redact)
    recorded = dict(state.params) | instead
    defaults = {p.name: p.default for p in strategy.params if p.default is not None}
    for key, value in state.params.items():
        if MASK not in value or key in instead:
            continue
        default = defaults.get(key)
        if default is not None and secrets.redact(default) == value:
            recorded[key] = default
            continue
        raise ProcedureError(
            f"parameter {key!r} of {name!r} is masked in the journal (a secret), so its"
            " value is not known to this console: choose the strategy again and give it"
        )
    return check_params(strategy, recorded, secrets.redact)


def host_command(
    state: IncidentState,
    template: str,
    target: Target,
    params: dict[str, str],
    redact: Redact,
    on_jump_host: bool = False,
) -> RenderedCommand:
    """One host's command: placeholders shell-quoted, run in the host's workdir (on the
    jump host: in the incident's directory)."""
    values = {
        **params,
        "host": target.name,
        "system": target.system,
        "incident": state.incident_id or "",
    }
    try:
        workdir = None if on_jump_host else target.workdir
        return render_command(template, values, workdir, redact)
    except ParameterError as exc:
        raise ProcedureError(redact(str(exc))) from None


def refuse_unknown(unknown: list[str], title: str, only_hosts: list[str] | None) -> None:
    """A run of a step never takes a host whose outcome there is unknown unless it is
    named (a retry of only those hosts, after their earlier attempt was checked): its
    attempt may have done its work, or still run, and a second one could repeat it."""
    if unknown and only_hosts is None:
        raise ProcedureError(
            f"“{title}”: the outcome on {', '.join(unknown)} is unknown (the earlier attempt"
            " may have done its work, or still run): verify those hosts, or retry only them"
            " once their attempt is checked, before running the step again"
        )


def plan_step(
    settings: Settings,
    state: IncidentState,
    step: Step,
    only_hosts: list[str] | None,
    between_waves: AskBetween | None,
    secrets: Secrets,
) -> Planned:
    """Render every host's commands, in groups that run one after another."""
    hosts = [h for h in state.hosts if not only_hosts or h in only_hosts]
    if step.kind is StepKind.COMMAND:
        template = step.command or ""
        targets = targets_for(settings.inventory, hosts)
        rendered = {
            t.name: [[(COMMAND_STAGE, host_command(state, template, t, {}, secrets.redact))]]
            for t in targets
        }
        return Planned(lambda t: rendered[t.name], targets, RunPlan(), None)
    name = step.strategy or state.strategy
    if not name:
        raise ProcedureError("choose a strategy before running the restore step")
    strategy = settings.strategy(name)
    applies = [h for h in hosts if name in settings.inventory.system(state.hosts[h]).strategies]
    if not applies:
        raise ProcedureError(f"strategy {name!r} applies to none of the selected hosts")
    params = strategy_params(state, name, strategy, secrets)
    groups, values = strategy_groups(strategy, params)
    targets = targets_for(settings.inventory, applies)
    here = strategy.runs_on is RunsOn.JUMP_HOST
    # Render for every host before anything is sent: a bad value stops the step here.
    rendered = {
        t.name: [
            [
                (
                    s,
                    host_command(
                        state, tpl, t, {**params, **x}, secrets.redact, here and not is_health(s)
                    ),
                )
                for s, tpl, x in g
            ]
            for g in groups
        ]
        for t in targets
    }
    run = strategy_run(strategy, between_waves, here)
    start = _held_at(state, step, strategy, targets, values)
    return Planned(lambda t: rendered[t.name], targets, run, strategy, values, start)


def _held_at(
    state: IncidentState, step: Step, strategy: Strategy, targets: list[Target], values: list[str]
) -> int:
    """Where a gradual re-enable goes on: after the stage its hosts are all held at, if
    that is the same stage of the same strategy still; else from its first stage."""
    held = state.step(step.id).held_for([t.name for t in targets]) if values else None
    if held is None or held.strategy != strategy.name or held.index >= len(values):
        return 0
    return held.index if values[held.index - 1] == str(held.percent) else 0


def plan_undo(
    settings: Settings,
    state: IncidentState,
    step: Step,
    only_hosts: list[str] | None,
    secrets: Secrets,
    between_waves: AskBetween | None = None,
    instead: Mapping[str, str] | None = None,
) -> Planned:
    """The strategy's undo for the hosts a strategy step touched and its undo has not put
    back since (or those of them named), rendered for each before anything is sent
    (`instead`: parameter values given for it, in place of the incident's). It
    goes in the strategy's waves, as the step did: the hosts in the order the step took
    them (its canary first), its pause, `between_waves` asked where the waves say
    confirm, its failure threshold; no probes are read between them (they judged the
    rollback: an undo puts back what they read bad)."""
    name = step.strategy or state.strategy
    if step.kind is not StepKind.STRATEGY or not name:
        raise ProcedureError(f"step {step.title!r} ran no strategy to undo")
    strategy = settings.strategy(name)
    if not strategy.commands.undo:
        raise ProcedureError(f"strategy {name!r} has no undo")
    undone = state.step(f"{step.id}.undo").hosts  # running: a crash's, as read back
    again = [h for h, r in undone.items() if r.status in (HostStatus.UNKNOWN, HostStatus.RUNNING)]
    if again and only_hosts is None:
        raise ProcedureError(
            f"the undo of “{step.title}” was sent to {', '.join(again)} with no outcome on"
            " record (it may have done its work, or still run): retry it only there once"
            " its attempt is checked (r, on the console's checklist), or name the hosts to"
            " undo (undo --hosts)"
        )
    runs = state.step(step.id).hosts
    unknown = sorted(set(only_hosts or ()) - set(runs))
    if unknown:
        raise ProcedureError(
            f"step {step.title!r} did not run on {unknown[0]!r}"
            f" (it ran on: {', '.join(runs) or 'no host'})"
        )
    changed = state.step(step.id).changed
    for host in only_hosts or ():
        if host not in changed:  # its precheck refused, failed or was lost, or it never ran
            host_run = runs[host]
            unsent = host_run.nothing_sent()
            said = f": {why}" if (why := host_run.detail if unsent else host_run.said()) else ""
            how = "nothing was sent there" if unsent else None
            if host_run.rolled_back():
                how = "its action failed"
            raise ProcedureError(
                f"step {step.title!r} changed nothing on {host!r}"
                f" ({how or 'it went no further than its precheck'}{said}): nothing to undo there"
            )
    # Unnamed, the hosts its undo put back already are left alone: sent again, the undo
    # would restart their service again, or undo twice what undoes once.
    back = [] if only_hosts else state.undone_hosts(step.id)
    ran = [h for h in runs if h in changed and (h in only_hosts if only_hosts else h not in back)]
    if not ran and back:
        raise ProcedureError(
            f"the undo of “{step.title}” succeeded already on every host the step changed"
            f" ({', '.join(back)}): nothing left to undo"
        )
    if not ran:
        raise ProcedureError(
            f"step {step.title!r} changed no host (none was reached, none went further"
            " than its precheck, or their transactions rolled back): nothing to undo"
        )
    if gone := [h for h in ran if h not in settings.inventory.host_names]:  # renamed since
        raise ProcedureError(
            f"host(s) {', '.join(gone)} that step {step.title!r} changed are not in this"
            " configuration's inventory: undo it with the configuration it ran with (--config DIR)"
        )
    params = strategy_params(state, name, strategy, secrets, instead)
    targets = targets_for(settings.inventory, ran)
    here = strategy.runs_on is RunsOn.JUMP_HOST
    undo = strategy.commands.undo
    rendered = {
        t.name: [[("undo", host_command(state, undo, t, params, secrets.redact, here))]]
        for t in targets
    }
    run = strategy_run(strategy, between_waves, here)
    return Planned(lambda t: rendered[t.name], targets, run, strategy)


def strategy_run(strategy: Strategy, between_waves: AskBetween | None, here: bool) -> RunPlan:
    """How a strategy's step, and its undo, fan out: its waves (`between_waves` asked
    where they say confirm), its failure threshold, its timeout."""
    return RunPlan(
        waves=strategy.waves,
        max_fail_percentage=strategy.max_fail_percentage,
        timeout=strategy.timeout,
        between_waves=between_waves,
        on_jump_host=here,
    )
