"""Names one file uses and another defines: strategies, systems, probes.

Each problem is located where the name is written, (file part, key path...), so the
loader reports it against that file and line, with the closest name that exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.problems import Loc, did_you_mean, quoted
from console.model.procedure import StepKind

if TYPE_CHECKING:
    from console.model.settings import Settings


def reference_problems(settings: Settings) -> list[tuple[Loc, str]]:
    return [
        *_strategy_names(settings),
        *_systems_name_strategies(settings),
        *_steps_name_strategies(settings),
        *_triggers_name_probes(settings),
    ]


def unknown(kind: str, name: str, known: list[str], shown: int = 12) -> str:
    """`name` is no `kind`: the closest of `known`, and the first `shown` of them."""
    listed = ", ".join(known[:shown]) or "none"
    return f"no {kind} is named {quoted(name)}{did_you_mean(name, known)}; known: {listed}"


def _strategy_names(settings: Settings) -> list[tuple[Loc, str]]:
    seen: set[str] = set()
    problems: list[tuple[Loc, str]] = []
    for index, strategy in enumerate(settings.strategies):
        if strategy.name in seen:
            problems.append(
                (
                    ("strategies", index, "name"),
                    f"strategy {quoted(strategy.name)} is declared twice",
                )
            )
        seen.add(strategy.name)
    return problems


def _systems_name_strategies(settings: Settings) -> list[tuple[Loc, str]]:
    known = [s.name for s in settings.strategies]
    return [
        (("inventory", "systems", i, "strategies", j), unknown("strategy", name, known))
        for i, system in enumerate(settings.inventory.systems)
        for j, name in enumerate(system.strategies)
        if name not in known
    ]


def _steps_name_strategies(settings: Settings) -> list[tuple[Loc, str]]:
    known = [s.name for s in settings.strategies]
    return [
        (
            ("procedure", "phases", i, "steps", j, "strategy"),
            unknown("strategy", step.strategy, known),
        )
        for i, phase in enumerate(settings.procedure.phases)
        for j, step in enumerate(phase.steps)
        if step.kind is StepKind.STRATEGY and step.strategy and step.strategy not in known
    ]


def _triggers_name_probes(settings: Settings) -> list[tuple[Loc, str]]:
    systems = {s.name: s for s in settings.inventory.systems}
    problems: list[tuple[Loc, str]] = []
    for index, trigger in enumerate(settings.triggers.triggers):
        where = ("triggers", "triggers", index)
        system = systems.get(trigger.system)
        if system is None:
            problems.append(((*where, "system"), unknown("system", trigger.system, [*systems])))
            continue
        probes = [p.name for p in system.probes]
        if trigger.probe not in probes:
            problems.append(
                ((*where, "probe"), unknown(f"probe of {trigger.system!r}", trigger.probe, probes))
            )
    return problems
