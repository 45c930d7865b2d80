"""A strategy step that names its own strategy where none of the incident's systems lists
it: nothing to do in this incident. A procedure written for several systems, a step each
(`strategy = "checkout-off"` for api, `strategy = "shop-schema-down"` for db), walked for
web alone met the api step: `run` closed the incident as refused, exit 2 ("nothing sent")
after the web step had changed every host, and the console said the step applied to none
of the hosts. It is passed over, skipped with the reason, in the console and headless."""

from __future__ import annotations

from console.model.procedure import Step, StepKind
from console.model.settings import Settings
from console.model.state import IncidentState


def not_for(settings: Settings, state: IncidentState, step: Step) -> str | None:
    """Why `step` has nothing to do in this incident, or None when it has."""
    name = step.strategy
    systems = settings.inventory.in_order(state.hosts.values())
    if step.kind is not StepKind.STRATEGY or not name or not systems:
        return None
    lists = {s.name: s.strategies for s in settings.inventory.systems}
    if any(name in lists.get(s, ()) for s in systems):
        return None
    listing = [system for system, strategies in lists.items() if name in strategies]
    ours = f"not for this incident's systems ({', '.join(systems)})"
    return (
        f"{ours}: its strategy {name} is listed by {', '.join(listing)} only"
        " (inventory.toml); nothing sent"
        if listing
        else f"{ours}: no system lists its strategy {name} (inventory.toml); nothing sent"
    )
