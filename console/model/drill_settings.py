"""drills.toml as a whole: its scenarios and schedule, whose models (console/model/drills.py)
are built at their first use: a configuration without drills.toml never builds them."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from console.model.frozen import EMPTY_SHOWN, Frozen, empty_list
from console.model.later import later

if TYPE_CHECKING:
    from console.model.drills import Scenario, ScheduleEntry
else:
    Scenario = later("console.model.drills", "Scenario")
    ScheduleEntry = later("console.model.drills", "ScheduleEntry")


@dataclass(init=False, repr=False, eq=False)
class DrillSettings(Frozen):
    """drills.toml: `default` is the scenario `drill` runs when none is named."""

    default: str | None = None
    scenarios: Annotated[list[Scenario], EMPTY_SHOWN] = field(default_factory=empty_list)
    schedule: Annotated[list[ScheduleEntry], EMPTY_SHOWN] = field(default_factory=empty_list)

    def scenario(self, name: str) -> Scenario:
        return next(s for s in self.scenarios if s.name == name)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def systems_of(self, entry: ScheduleEntry) -> list[str]:
        return entry.systems or self.scenario(entry.scenario).all_systems
