"""The systems and strategy a rollback is asked for, checked before anything is recorded."""

from __future__ import annotations

from console.engine.errors import ProcedureError
from console.engine.plan import check_params
from console.journal.redact import settings_redactor
from console.model.problems import did_you_mean
from console.model.settings import Settings


def check_choice(
    settings: Settings, systems: list[str], strategy: str, params: dict[str, str]
) -> None:
    """Refuse an unknown strategy or system (with a 'did you mean'), a strategy that does
    not apply to all of the systems, and parameters that fail their types: the console
    and headless runs check the same."""
    check_systems(settings, systems)
    known = [s.name for s in settings.strategies]
    if strategy not in known:
        hint = did_you_mean(strategy, known)
        raise ProcedureError(f"unknown strategy {strategy!r}{hint} (known: {', '.join(known)})")
    for system in systems:
        strategies = settings.inventory.system(system).strategies
        if strategy not in strategies:
            raise ProcedureError(
                f"strategy {strategy!r} does not apply to system {system!r}"
                f" (its strategies: {', '.join(strategies) or 'none'})"
            )
    check_params(settings.strategy(strategy), params, settings_redactor(settings).text)


def check_systems(settings: Settings, systems: list[str]) -> None:
    """Refuse a system the inventory does not have, with a 'did you mean'."""
    names = [s.name for s in settings.inventory.systems]
    for system in systems:
        if system not in names:
            hint = did_you_mean(system, names)
            raise ProcedureError(f"unknown system {system!r}{hint} (known: {', '.join(names)})")
