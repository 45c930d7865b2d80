"""triggers.toml: the automatic triggers on the probes, the soak window, journal thinning.

Apart from the probes' own models, so that validating inventory.toml (whose systems
list their probes) builds none of these before `exec` dials; the triggers' own model
(console/model/auto_triggers.py) is built at its first use."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from console.model.bounds import YEAR_SECONDS
from console.model.frozen import EMPTY_SHOWN, Frozen, Limits, checked_after, empty_list
from console.model.later import later
from console.model.problems import located_error, used_twice

if TYPE_CHECKING:
    from console.model.auto_triggers import AutoTrigger
else:
    AutoTrigger = later("console.model.auto_triggers", "AutoTrigger")


@dataclass(init=False, repr=False, eq=False)
class Soak(Frozen):
    """Verify stability: `samples` healthy rounds in a row within `max_samples` rounds."""

    samples: Annotated[int, Limits(ge=1, le=1000)] = 3
    max_samples: Annotated[int | None, Limits(ge=1, le=10000)] = None
    interval: Annotated[float | None, Limits(gt=0, le=YEAR_SECONDS)] = None

    @property
    def limit(self) -> int:
        return max(self.samples, self.max_samples or self.samples)


@dataclass(init=False, repr=False, eq=False)
class WatchOptions(Frozen):
    """Journal thinning: state changes always, else one sample in `journal_every`."""

    journal_every: Annotated[int, Limits(ge=1)] = 20
    history: Annotated[int, Limits(ge=2, le=10000)] = 60


# Each a default shared by every TriggerSettings (a record never changes), shown in the
# schema as a model's default instance was.
_SOAK, _WATCH = Soak(), WatchOptions()


@dataclass(init=False, repr=False, eq=False)
class TriggerSettings(Frozen):
    """triggers.toml: automatic triggers, the soak window and journal thinning."""

    triggers: Annotated[list[AutoTrigger], EMPTY_SHOWN] = field(default_factory=empty_list)
    soak: Soak = _SOAK
    watch: WatchOptions = _WATCH

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), _unique)


def _unique(settings: TriggerSettings) -> TriggerSettings:
    twice = used_twice([t.name for t in settings.triggers], "triggers", "trigger")
    if twice:
        raise located_error("TriggerSettings", twice)
    return settings
