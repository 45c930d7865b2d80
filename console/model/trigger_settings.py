"""triggers.toml: the automatic triggers on the probes, the soak window, journal thinning.

Apart from the probes' own models, so that validating inventory.toml (whose systems
list their probes) builds none of these before `exec` dials."""

from enum import StrEnum
from typing import Self

from pydantic import model_validator

from console.model.base import NAME_PATTERN, Field, Strict
from console.model.problems import located_error
from console.model.triggers import TriggerKind


class Policy(StrEnum):
    PROPOSE = "propose"
    AUTO = "auto"


class AutoTrigger(Strict):
    """Fires `kind` when `consecutive` samples of a probe in a row are bad.

    `threshold` overrides the probe's own for firing (a critical level above the
    warning level that the soak uses). Policy `propose` pre-fills an incident for the
    commander; `auto` starts the procedure after a cancellable countdown.
    """

    name: str = Field(pattern=NAME_PATTERN)
    kind: TriggerKind
    system: str
    probe: str
    threshold: float | None = None
    consecutive: int = Field(default=3, ge=1, le=1000)
    policy: Policy = Policy.PROPOSE
    countdown_seconds: float = Field(default=30.0, ge=0, le=3600)

    @model_validator(mode="after")
    def _automatic_kind(self) -> Self:
        if not self.kind.automatic:
            raise located_error(
                "AutoTrigger",
                [
                    (
                        ("kind",),
                        f"{self.kind} is a manual trigger; automatic ones are error-threshold,"
                        " performance-degradation, security-breach, data-corruption",
                    )
                ],
            )
        return self


class Soak(Strict):
    """Verify stability: `samples` healthy rounds in a row within `max_samples` rounds."""

    samples: int = Field(default=3, ge=1, le=1000)
    max_samples: int | None = Field(default=None, ge=1, le=10000)
    interval: float | None = Field(default=None, gt=0)

    @property
    def limit(self) -> int:
        return max(self.samples, self.max_samples or self.samples)


class WatchOptions(Strict):
    """Journal thinning: state changes always, else one sample in `journal_every`."""

    journal_every: int = Field(default=20, ge=1)
    history: int = Field(default=60, ge=2, le=10000)


class TriggerSettings(Strict):
    """triggers.toml: automatic triggers, the soak window and journal thinning."""

    triggers: list[AutoTrigger] = []
    soak: Soak = Soak()
    watch: WatchOptions = WatchOptions()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [t.name for t in self.triggers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"trigger name(s) used twice: {', '.join(dupes)}")
        return self
