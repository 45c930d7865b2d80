"""Rollback strategies: kinds, typed parameters, command templates, waves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from console.model.bounds import NAME_PATTERN, YEAR_SECONDS
from console.model.frozen import (
    EMPTY_SHOWN,
    Frozen,
    Limits,
    checked_after,
    checked_before,
    empty_list,
    in_turn,
    ruled,
)
from console.model.kinds import HEALTH, STRATEGY_KINDS, RunsOn, StrategyKind, stage_problem
from console.model.later import later
from console.model.param_types import ParamType
from console.model.presets import default_preset, find_preset, summary_with, with_preset
from console.model.problems import Loc, did_you_mean, located_error
from console.model.shell_quotes import quoted_placeholders
from console.model.templates import IMPLICIT_VALUES, placeholders, template_problems
from console.model.waves import SHARE, T, in_waves, size_problem, wave_sizes

if TYPE_CHECKING:
    from console.model.params import Parameter
    from console.model.presets.base import Preset, Resolve
else:  # built at its first use: most strategies have no parameters (issue 18)
    Parameter = later("console.model.params", "Parameter")

__all__ = ["Commands", "RunsOn", "Strategy", "StrategyKind", "Waves"]


@dataclass(init=False, repr=False, eq=False)
class _Params(Frozen):
    """A strategy's parameters as configured, before its preset's join them."""

    params: list[Parameter]


def _none_required(schema: dict[str, Any]) -> None:
    schema.pop("required", None)


@dataclass(init=False, repr=False, eq=False, kw_only=True)  # required after defaults
class Commands(Frozen):
    """The command templates of a strategy, run on each host in order; `health` runs on
    each target host over SSH after the verify (after each step's, in a gradual kind),
    also when the strategy's other commands run on the jump host."""

    # A built-in kind brings its own templates: in a file, any stage may be left out.
    __pydantic_config__ = {**Frozen.__pydantic_config__, "json_schema_extra": _none_required}

    precheck: str | None = None
    action: str
    verify: str | None = None
    undo: str | None = None
    health: str | None = None

    @property
    def verifies(self) -> bool:
        """Whether anything checks a host after its action: a verify or a health command."""
        return bool(self.verify or self.health)

    def stages(self) -> list[tuple[str, str]]:
        """The (stage, template) pairs a forward run executes."""
        named = [
            ("precheck", self.precheck),
            ("action", self.action),
            ("verify", self.verify),
            (HEALTH, self.health),
        ]
        return [(stage, tpl) for stage, tpl in named if tpl]


@dataclass(init=False, repr=False, eq=False)
class Waves(Frozen):
    """How many hosts start together: a count or a percentage of the targets, the same
    for every wave, or `sizes` in order (Ansible's `serial` list: `[1, "25%"]`, the last
    one repeated)."""

    size: int | None = ruled(None, ge=1, strict=True)
    percent: float | None = ruled(None, gt=0, le=100, strict=True)
    sizes: (
        list[
            Annotated[int, Limits(ge=1, strict=False)]
            | Annotated[str, Limits(pattern=SHARE.pattern, strict=False)]
        ]
        | None
    ) = ruled(
        None,
        min_length=1,
        description='the size of each wave in order, a number of hosts or a share ("25%");'
        " the last one repeated until every host has a wave",
    )
    pause_seconds: float = ruled(0.0, ge=0, le=YEAR_SECONDS, strict=True)
    confirm: bool = False

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_before(checked_after(handler(source), _one_of), _sizes_as_written)

    def plan(self, hosts: int) -> list[int]:
        """How many of `hosts` each wave takes, in order: the one home of the plan."""
        return wave_sizes(hosts, self.size, self.percent, self.sizes)

    def of(self, hosts: Sequence[T]) -> list[list[T]]:
        """`hosts` in their waves, in order."""
        return in_waves(hosts, self.plan(len(hosts)))


def _sizes_as_written(data: object) -> object:
    """Each of `sizes` checked at its own index, in words (a union's errors are not)."""
    sizes = data.get("sizes") if isinstance(data, dict) else None
    if isinstance(sizes, list):
        if not sizes:
            raise located_error("Waves", [(("sizes",), 'give one size at least: [1, "100%"]')])
        problems: list[tuple[Loc, str]] = [
            (("sizes", i), problem)
            for i, size in enumerate(sizes)
            if (problem := size_problem(size))
        ]
        if problems:
            raise located_error("Waves", problems)
    return data


def _one_of(waves: Waves) -> Waves:
    given = [k for k in ("size", "percent", "sizes") if getattr(waves, k) is not None]
    if len(given) > 1:
        raise ValueError(f"give one of size, percent or sizes, not {' and '.join(given)}")
    return waves


STAGES = ("precheck", "action", "verify", "undo", HEALTH)


def _commands_needed(schema: dict[str, Any]) -> None:
    """In a file, [commands] with an action is needed by a custom strategy, and by a
    built-in kind that names no preset and has no default one."""
    schema["required"] = [k for k in schema["required"] if k != "commands"]
    defaults = sorted(k.value for k in StrategyKind if default_preset(k))
    preset_supplied = {
        "anyOf": [{"required": ["preset"]}, {"properties": {"kind": {"enum": defaults}}}]
    }
    schema["if"] = {
        "anyOf": [{"properties": {"kind": {"const": "custom"}}}, {"not": preset_supplied}]
    }
    schema["then"] = {
        "required": ["commands"],
        "properties": {"commands": {"required": ["action"]}},
    }


def _check_merged(written: list[Any], merged: dict[str, Any]) -> None:
    """Each configured parameter joined with its preset's, checked at its own index in
    the file (a default against the preset's type); one the preset does not have and no
    command uses is refused: a misspelt override would leave the preset's value in force."""
    names = [str(p.get("name")) for p in written if isinstance(p, dict)]
    joined = {p.get("name"): p for p in merged.get("params", []) if isinstance(p, dict)}
    problems: list[tuple[Loc, str]] = []
    from pydantic import ValidationError

    try:
        _Params.validated({"params": [joined.get(n, {}) for n in names]})
    except ValidationError as exc:
        problems += [(e["loc"], str(e.get("ctx", {}).get("error", e["msg"]))) for e in exc.errors()]
    commands = merged.get("commands")
    templates = commands.values() if isinstance(commands, dict) else ()
    used = set().union(*(placeholders(t) for t in templates if isinstance(t, str)))
    kind = StrategyKind(merged["kind"])
    stepping = STRATEGY_KINDS[kind].stepping
    used |= {stepping.param, stepping.value} if stepping else set()
    named = merged.get("preset")
    preset = find_preset(kind, named) if isinstance(named, str) else default_preset(kind)
    offered = [p.name for p in preset.params] if preset else []
    problems += [
        (
            ("params", i, "name"),
            f"{name!r} is not a parameter of preset {preset.name if preset else kind.value!r}"
            + (did_you_mean(name, offered) or f" ({', '.join(offered)})")
            + " and no command uses it",
        )
        for i, name in enumerate(names)
        if name not in used and name not in offered
    ]
    defaults = {str(n): p.get("default") for n, p in joined.items()}
    if preset and names and (both := preset.contradiction(defaults)):
        last = max(i for i, n in enumerate(names) if n in both)
        problems.append(
            (("params", last, "default"), f"{' and '.join(both)} both have a default: one at most")
        )
    if problems:
        raise located_error("Strategy", problems)


_WAVES = Waves()  # the default of every Strategy (a record never changes)


@dataclass(init=False, repr=False, eq=False, kw_only=True)  # required after defaults
class Strategy(Frozen):
    """A named, configured rollback strategy: its own commands, or a preset's."""

    __pydantic_config__ = {**Frozen.__pydantic_config__, "json_schema_extra": _commands_needed}

    name: str = ruled(pattern=NAME_PATTERN)
    kind: StrategyKind
    preset: str | None = ruled(
        None,
        description="built-in commands for the kind (docs/strategies.md); stages and"
        " params given here override the preset's",
    )
    description: str = ""
    params: Annotated[list[Parameter], EMPTY_SHOWN] = field(default_factory=empty_list)
    commands: Commands
    waves: Waves = _WAVES
    max_fail_percentage: float | None = ruled(None, ge=0, le=100, strict=True)
    timeout: float | None = ruled(None, gt=0, le=YEAR_SECONDS, strict=True)
    data_touching: bool = False
    runs_on: RunsOn = RunsOn.HOSTS

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        after = in_turn(_description_is_prose, _stages_are_numbers, _templates_use_declared_params)
        return checked_before(checked_after(handler(source), after), _preset)

    def service_unchecked(self, values: dict[str, str]) -> str:
        """The `restart` command its verify runs after, when that verify checks only what
        the action changed, not the service: a preset's (it runs `check`, and a release's
        `running`), given neither, and no `health` stage. A restart that exits 0 with the
        service down, or still on what was rolled back, then passes it. '' otherwise."""
        named = placeholders(self.commands.verify or "")
        restart = (values.get("restart") or "").strip()
        if not restart or self.commands.health or not {"restart", "check"} <= named:
            return ""
        given = [n for n in ("check", "running") if n in named and (values.get(n) or "").strip()]
        return "" if given else restart

    def resolver(self) -> Resolve | None:
        """Its preset's resolve (what `previous` stands for, asked before the yes), when
        the precheck that resolves it is the preset's own; else None."""
        preset = self._preset()
        if preset is None or preset.resolve is None or self.commands.precheck != preset.precheck:
            return None
        return preset.resolve

    def undo_is_presets(self) -> bool:
        """Whether its undo is its preset's own (not one the configuration wrote)."""
        kind, named = self.kind, self.preset
        preset = find_preset(kind, named) if named else default_preset(kind)
        return preset is not None and bool(preset.undo) and self.commands.undo == preset.undo

    def undo_weigh(self) -> str | None:
        """Its preset's question before the undo's yes (what the undo sets aside on each
        host), when the undo is the preset's own; else None."""
        kind, named = self.kind, self.preset
        preset = find_preset(kind, named) if named else default_preset(kind)
        return preset.undo_weigh if preset is not None and self.undo_is_presets() else None

    def recovers_to(self, values: dict[str, str]) -> str:
        """What its run brings the data back to with `values` (its preset's words: `the
        time 2025-05-16T10:29:30Z`, `the restore point before-deploy-42`), or ""."""
        preset = self._preset()
        return preset.recovers_to(values) if preset and preset.recovers_to else ""

    def described(self, values: dict[str, str]) -> str:
        """Its description as it runs with `values`: the preset's summary, where the
        configuration wrote none, filled with them (a re-enable's `steps` as typed in the
        picker, not its default); a description of its own as written."""
        preset = self._preset()
        defaults = {p.name: p.default for p in self.params}
        if preset is None or self.description != summary_with(preset.summary, defaults):
            return self.description
        return summary_with(preset.summary, {**defaults, **values})

    def _preset(self) -> Preset | None:
        """The preset named, else its kind's default one (None: the kind has none)."""
        return find_preset(self.kind, self.preset) if self.preset else default_preset(self.kind)

    def values_in(self, chosen: str | None, params: dict[str, str]) -> dict[str, str]:
        """The parameters it runs with in an incident whose chosen strategy is `chosen`,
        given `params`: those when it is the chosen one, else its defaults (a procedure
        step naming its own strategy is given no values: the engine's plan says so too)."""
        if self.name == chosen:
            return dict(params)
        return {p.name: p.default for p in self.params if p.default is not None}


def _preset(data: object) -> object:
    """The configured parameters are checked as written (a problem names their index
    in the file), then the preset's join them, merged by name."""
    if not isinstance(data, dict):
        return data
    params = data.get("params")
    if isinstance(params, list):
        names = [p.get("name") for p in params if isinstance(p, dict)]
        twice = [
            (("params", i, "name"), f"parameter {name!r} is declared twice")
            for i, name in enumerate(names)
            if name in names[:i]
        ]
        if twice:
            raise located_error("Strategy", twice)
        _Params.validated({"params": _typed(data, params)})
    try:
        merged = with_preset(data)
    except ValueError as exc:  # an unknown preset: said at its own line
        if "preset" not in data:
            raise
        raise located_error("Strategy", [(("preset",), str(exc))]) from None
    if isinstance(params, list) and merged is not data:
        _check_merged(params, merged)
    return merged


def _typed(data: dict[str, Any], params: list[Any]) -> list[Any]:
    """The configured parameters, each with its preset's type and pattern where it gives
    none: a preset's port given `default = 5433.5` was refused first for not being text,
    and once quoted for not being a port; checked as a port, it is said so at once; and
    a number's default as the pattern's words say it ('a whole number of 1 to 6 digits')."""
    if not all(isinstance(p, dict) for p in params):  # said as they are
        return params
    try:
        merged = with_preset(data)
    except ValueError:  # an unknown preset: said once the parameters are
        return params
    keys = ("type", "pattern")
    preset = {
        name: {k: v for k in keys if (v := p.get(k)) is not None}
        for p in merged.get("params", [])
        if isinstance(p, dict) and isinstance(name := p.get("name"), str)
    }
    return [
        {**preset.get(n, {}), **p} if isinstance(n := p.get("name"), str) else p for p in params
    ]


def _description_is_prose(strategy: Strategy) -> Strategy:
    """A description is shown as written (the run's confirmation, the document): a
    placeholder there would reach the reader unfilled."""
    if named := sorted(placeholders(strategy.description)):
        said = ", ".join(f"{{{{{n}}}}}" for n in named)
        problem = f"{said} is never filled in a description, which is shown as written"
        raise located_error("Strategy", [(("description",), f"{problem}; say it in words")])
    return strategy


def _stages_are_numbers(strategy: Strategy) -> Strategy:
    """A gradual kind's stages in its default are numbers, as `run` needs them (what
    check-config accepts runs)."""
    stepping = STRATEGY_KINDS[strategy.kind].stepping
    if stepping is None:
        return strategy
    for i, p in enumerate(strategy.params):
        if p.name != stepping.param or p.default is None:
            continue
        if problem := stage_problem(stepping, stepping.values({p.name: p.default})):
            raise located_error("Strategy", [(("params", i, "default"), problem)])
    return strategy


def _templates_use_declared_params(strategy: Strategy) -> Strategy:
    declared = {p.name for p in strategy.params} | IMPLICIT_VALUES
    stepping = STRATEGY_KINDS[strategy.kind].stepping
    if stepping:  # the engine sets it for each step of a gradual kind
        declared.add(stepping.value)
    templates = {s: getattr(strategy.commands, s) or "" for s in STAGES}
    problems: list[tuple[Loc, str]] = [
        (("commands", stage), problem)
        for stage, template in templates.items()
        for problem in template_problems(template, declared, "a declared parameter")
    ]
    # A value that may hold any text is filled in shell-quoted: inside quotes, the
    # shell would run what it holds ($(...), `...`) on every host.
    free = {p.name for p in strategy.params if p.type in (ParamType.STRING, ParamType.ENV)}
    problems += [
        (("commands", stage), problem)
        for stage, template in templates.items()
        for problem in quoted_placeholders(template, free.__contains__)
    ]
    used = set().union(*(placeholders(t) for t in templates.values()))
    problems += [
        (
            ("params", i),
            f"parameter {p.name!r} is used by the commands but has no default and is"
            " not required: give it a default, or required = true",
        )
        for i, p in enumerate(strategy.params)
        if p.default is None and not p.required and p.name in used
    ]
    if problems:
        raise located_error("Strategy", problems)
    return strategy
