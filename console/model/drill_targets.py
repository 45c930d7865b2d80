"""A scenario's recovery-time target that cannot be what was meant: ten times its
systems' own RTO or more (seconds written where `rto_minutes` counts minutes: `300` for
five minutes is five hours), or under a second, which no rollback meets."""

from __future__ import annotations

from console.model.problems import Finding, quoted
from console.model.settings import Settings

LOOSER = 10  # times a system's RTO: a target meant in seconds is 60 times it


def odd_drill_targets(settings: Settings) -> list[Finding]:
    """Walked as a new user: `rto_minutes = 300` meant as five minutes, on a system whose
    RTO is 5 min, passed check-config and every drill's recovery up to five hours."""
    found = []
    for index, scenario in enumerate(settings.drills.scenarios):
        target = scenario.rto_minutes
        if target is None:
            continue
        said = f"scenario {quoted(scenario.name)}: its target, {target:g} min,"
        if target * 60 < 1:
            said += f" is {target * 60:g} s: no rollback is verified that fast"
        elif looser := [
            f"{target / rto:.3g} times {system.name}'s RTO ({rto:g} min)"
            for system in settings.inventory.systems
            if system.name in scenario.all_systems
            and (rto := system.rto_minutes) is not None
            and target >= LOOSER * rto
        ]:
            said += (
                f" is {', '.join(looser)} in inventory.toml: its drill passes a recovery"
                f" that misses it ({target:g} seconds would be {target / 60:.3g} min)"
            )
        else:
            continue
        found.append(Finding("drills", ("scenarios", index, "rto_minutes"), said, warning=True))
    return found
