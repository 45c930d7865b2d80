"""What check-config warns of because it will not pass though it loads: a probe step for
systems no probe watches."""

from __future__ import annotations

from console.model.problems import Finding, quoted
from console.model.procedure import StepKind
from console.model.settings import Settings


def unwatched_systems(settings: Settings) -> list[Finding]:
    """Each system without probes, when the procedure verifies stability with them."""
    steps = [s for s in settings.procedure.steps if s.kind is StepKind.PROBE]
    if not steps:
        return []
    titles = ", ".join(quoted(s.title) for s in steps)
    return [
        Finding(
            "inventory",
            ("systems", index, "name"),
            f"system {quoted(system.name)} has no [[systems.probes]]: the probe step"
            f" {titles} cannot pass for it (add probes, or skip that step with a reason)",
            warning=True,
        )
        for index, system in enumerate(settings.inventory.systems)
        if not system.probes
    ]
