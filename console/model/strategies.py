"""Rollback strategies: kinds, typed parameters, command templates, waves."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from console.model.base import NAME_PATTERN, Strict
from console.model.strategy_kinds import with_kind_defaults
from console.model.templates import placeholders


class StrategyKind(StrEnum):
    VERSION_ROLLBACK = "version-rollback"
    MIGRATION_REVERSAL = "migration-reversal"
    CONFIG_RESTORE = "config-restore"
    FEATURE_TOGGLE_OFF = "feature-toggle-off"
    FEATURE_REENABLE = "feature-reenable"
    BACKUP_RESTORE = "backup-restore"
    LOG_REPLAY = "log-replay"
    POINT_IN_TIME = "point-in-time"
    CUSTOM = "custom"


class ParamType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    VERSION = "version"
    PATH = "path"
    TIMESTAMP = "timestamp"
    NAME = "name"


class Parameter(Strict):
    """A value substituted into command templates, always shell-quoted."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    type: ParamType = ParamType.STRING
    pattern: str | None = None
    default: str | None = None
    required: bool = False
    description: str = ""


class Commands(Strict):
    """The four command templates of a strategy, run on each host in order."""

    # A built-in kind brings its own templates: in a file, any stage may be left out.
    model_config = ConfigDict(json_schema_extra=lambda schema: schema.pop("required", None))

    precheck: str | None = None
    action: str
    verify: str | None = None
    undo: str | None = None

    def stages(self) -> list[tuple[str, str]]:
        """The (stage, template) pairs a forward run executes."""
        named = [("precheck", self.precheck), ("action", self.action), ("verify", self.verify)]
        return [(stage, tpl) for stage, tpl in named if tpl]


class Waves(Strict):
    """How many hosts start together: a count or a percentage of the targets."""

    size: int | None = Field(default=None, ge=1)
    percent: float | None = Field(default=None, gt=0, le=100)
    pause_seconds: float = Field(default=0.0, ge=0)
    confirm: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Waves:
        if self.size is not None and self.percent is not None:
            raise ValueError("give either size or percent, not both")
        return self


IMPLICIT_PARAMS = frozenset({"host", "system", "incident"})
# Set by the engine for each step of a gradual re-enable.
STEP_PARAMS = {StrategyKind.FEATURE_REENABLE: frozenset({"percent"})}


def _custom_needs_commands(schema: dict) -> None:
    """In a file, only a custom strategy must give [commands], with an action."""
    schema["required"] = [k for k in schema["required"] if k != "commands"]
    schema["if"] = {"properties": {"kind": {"const": "custom"}}}
    schema["then"] = {
        "required": ["commands"],
        "properties": {"commands": {"required": ["action"]}},
    }


class Strategy(Strict):
    """A named, configured rollback strategy; a built-in kind may omit [commands]."""

    model_config = ConfigDict(json_schema_extra=_custom_needs_commands)

    name: str = Field(pattern=NAME_PATTERN)
    kind: StrategyKind
    description: str = ""
    params: list[Parameter] = []
    commands: Commands
    waves: Waves = Waves()
    max_fail_percentage: float | None = Field(default=None, ge=0, le=100)
    timeout: float | None = Field(default=None, gt=0)
    data_touching: bool = False

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: object) -> object:
        return with_kind_defaults(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _templates_use_declared_params(self) -> Strategy:
        declared = {p.name for p in self.params} | IMPLICIT_PARAMS
        declared |= STEP_PARAMS.get(self.kind, frozenset())
        for stage in ("precheck", "action", "verify", "undo"):
            template = getattr(self.commands, stage)
            unknown = sorted(placeholders(template or "") - declared)
            if unknown:
                raise ValueError(
                    f"commands.{stage} uses undeclared parameter(s): {', '.join(unknown)}"
                )
        return self
