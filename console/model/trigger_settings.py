"""triggers.toml: the automatic triggers on the probes, the soak window, journal thinning.

Apart from the probes' own models, so that validating inventory.toml (whose systems
list their probes) builds none of these before `exec` dials; the triggers' own model
(console/model/auto_triggers.py) is built at its first use."""

from typing import TYPE_CHECKING, Self

from pydantic import model_validator

from console.model.base import YEAR_SECONDS, Field, Strict
from console.model.later import later
from console.model.problems import Loc, located_error

if TYPE_CHECKING:
    from console.model.auto_triggers import AutoTrigger
else:
    AutoTrigger = later("console.model.auto_triggers", "AutoTrigger")


class Soak(Strict):
    """Verify stability: `samples` healthy rounds in a row within `max_samples` rounds."""

    samples: int = Field(default=3, ge=1, le=1000, strict=True)
    max_samples: int | None = Field(default=None, ge=1, le=10000, strict=True)
    interval: float | None = Field(default=None, gt=0, le=YEAR_SECONDS, strict=True)

    @property
    def limit(self) -> int:
        return max(self.samples, self.max_samples or self.samples)


class WatchOptions(Strict):
    """Journal thinning: state changes always, else one sample in `journal_every`."""

    journal_every: int = Field(default=20, ge=1, strict=True)
    history: int = Field(default=60, ge=2, le=10000, strict=True)


class TriggerSettings(Strict):
    """triggers.toml: automatic triggers, the soak window and journal thinning."""

    triggers: list[AutoTrigger] = []
    soak: Soak = Soak()
    watch: WatchOptions = WatchOptions()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [t.name for t in self.triggers]
        twice: list[tuple[Loc, str]] = [
            (("triggers", i, "name"), f"trigger name {name!r} is used twice")
            for i, name in enumerate(names)
            if name in names[:i]
        ]
        if twice:
            raise located_error("TriggerSettings", twice)
        return self
