"""An automatic trigger of triggers.toml: its model, built only when triggers.toml lists one
(console/model/trigger_settings.py names it for later)."""

from enum import StrEnum
from typing import Self

from pydantic import model_validator

from console.model.base import Field, Strict
from console.model.bounds import NAME_PATTERN
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
    threshold: float | None = Field(default=None, strict=True)
    consecutive: int = Field(default=3, ge=1, le=1000, strict=True)
    policy: Policy = Policy.PROPOSE
    countdown_seconds: float = Field(default=30.0, ge=0, le=3600, strict=True)

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
