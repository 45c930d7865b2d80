"""Names drills.toml uses that other files define: systems, hosts, strategies, their
parameters, scenarios. Each problem is located where the name is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model.problems import Loc, closest
from console.model.references import unknown as _unknown
from console.model.templates import ParameterError, check_value

if TYPE_CHECKING:
    from console.model.drills import Part, Scenario
    from console.model.inventory import Inventory
    from console.model.settings import Settings


def drill_problems(settings: Settings) -> list[tuple[Loc, str]]:
    drills = settings.drills
    problems: list[tuple[Loc, str]] = []
    names: list[str] = []
    for index, scenario in enumerate(drills.scenarios):
        where: Loc = ("drills", "scenarios", index)
        if scenario.name in names:
            problems.append(((*where, "name"), f"scenario {scenario.name!r} is declared twice"))
        names.append(scenario.name)
        problems += _scenario(settings, scenario, where)
    if drills.default is not None and drills.default not in names:
        problems.append((("drills", "default"), _unknown("scenario", drills.default, names)))
    for index, entry in enumerate(drills.schedule):
        where = ("drills", "schedule", index)
        if entry.scenario not in names:
            problems.append(((*where, "scenario"), _unknown("scenario", entry.scenario, names)))
            continue
        covered = drills.scenario(entry.scenario).all_systems
        for j, system in enumerate(entry.systems):
            if system not in covered:
                problems.append(
                    (
                        (*where, "systems", j),
                        f"scenario {entry.scenario!r} does not drill {system!r}"
                        f" (it drills {', '.join(covered)})",
                    )
                )
    return problems


def _scenario(settings: Settings, scenario: Scenario, where: Loc) -> list[tuple[Loc, str]]:
    inventory = settings.inventory
    systems = [s.name for s in inventory.systems]
    hosts = inventory.host_names
    problems: list[tuple[Loc, str]] = []
    parts = [((*where, "parts", i), p) for i, p in enumerate(scenario.parts)] or [
        (where, scenario.plan[0])
    ]
    for at, part in parts:
        problems += _part(settings, part, at, systems)
        problems += _production(
            inventory, [((*at, "systems", j), s) for j, s in enumerate(part.systems)]
        )
    for i, fault in enumerate(scenario.faults):
        at = (*where, "faults", i)
        named = [fault.demo_host] if fault.demo_host else fault.hosts
        key = "inject" if fault.demo_host else "hosts"
        problems += [
            ((*at, key), _unknown("host", h, hosts)) for h in named if h and h not in hosts
        ]
        problems += [
            ((*at, "systems", j), _unknown("system", s, systems))
            for j, s in enumerate(fault.systems)
            if s not in systems
        ]
        problems += _production(inventory, [((*at, key), h) for h in named if h], hosts=True)
        problems += _production(
            inventory, [((*at, "systems", j), s) for j, s in enumerate(fault.systems)]
        )
    if scenario.integrity is not None:
        problems += [
            ((*where, "integrity", "hosts", j), _unknown("host", h, hosts))
            for j, h in enumerate(scenario.integrity.hosts)
            if h not in hosts
        ]
        named_at = [
            ((*where, "integrity", "hosts", j), h) for j, h in enumerate(scenario.integrity.hosts)
        ]
        problems += _production(inventory, named_at, hosts=True)
    return problems


def production_named(inventory: Inventory, name: str, host: bool = False) -> str | None:
    """Why a drill may not send a command to the system (or host) `name`: its system says
    `production = true`; None where it may, or where the name is no known one (said apart)."""
    try:
        system = inventory.system_of(name) if host else inventory.system(name)
    except KeyError:
        return None
    if not system.production:
        return None
    what = f"host {name!r} of production system" if host else "production system"
    return (
        f"{what} {system.name!r} (production = true in inventory.toml): a drill never"
        " sends a command there"
    )


def _production(
    inventory: Inventory, named: list[tuple[Loc, str]], hosts: bool = False
) -> list[tuple[Loc, str]]:
    return [(at, said) for at, name in named if (said := production_named(inventory, name, hosts))]


def _misspelt(listed: list[str], strategies: list[str]) -> list[str]:
    """The strategies a system's list means where it misspells them: inventory.toml's
    line says so, and a drill of one is not said again not to apply (one mistake read as
    ten lines, one per scenario)."""
    return [
        close for name in listed if name not in strategies and (close := closest(name, strategies))
    ]


def _part(settings: Settings, part: Part, where: Loc, systems: list[str]) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for j, system in enumerate(part.systems):
        if system not in systems:
            problems.append(((*where, "systems", j), _unknown("system", system, systems)))
    strategies = [s.name for s in settings.strategies]
    if part.strategy not in strategies:
        return [*problems, ((*where, "strategy"), _unknown("strategy", part.strategy, strategies))]
    for system in part.systems:
        listed = settings.inventory.system(system).strategies if system in systems else None
        if listed is not None and part.strategy not in listed + _misspelt(listed, strategies):
            problems.append(
                ((*where, "strategy"), f"strategy {part.strategy!r} does not apply to {system!r}")
            )
    declared = {p.name: p for p in settings.strategy(part.strategy).params}
    for name, value in part.params.items():
        param = declared.get(name)
        if param is None:
            # every one: a preset's own (its recovery target) come after the common ones
            message = _unknown(
                f"parameter of {part.strategy!r}", name, [*declared], shown=len(declared)
            )
            problems.append(((*where, "params", name), message))
            continue
        try:
            check_value(
                name, value, param.type.value, param.pattern, param.description, param.takes
            )
        except ParameterError as exc:
            problems.append(((*where, "params", name), str(exc)))
    return problems
