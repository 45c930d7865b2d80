"""Typed strategy parameters: what a `{{name}}` placeholder may be given. The model is built
at its first use (strategies.py names it for later): most strategies have no parameters."""

from pydantic import ValidationInfo, field_validator

from console.model.base import Field, Strict
from console.model.param_types import ParamType
from console.model.templates import compile_pattern, value_problem


class Parameter(Strict):
    """A value substituted into command templates, always shell-quoted."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    type: ParamType = ParamType.STRING
    pattern: str | None = None
    default: str | None = None
    required: bool = False
    description: str = ""
    secret: bool = False  # type env: that variable's value is redacted from every record

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            compile_pattern(pattern)
        return pattern

    @field_validator("default", mode="before")
    @classmethod
    def _default_as_written(cls, default: object) -> object:
        """A TOML integer (`default = 5432`, as an `integer` parameter suggests) is its
        digits: every value reaches a command as text."""
        if isinstance(default, int) and not isinstance(default, bool):
            return str(default)
        return default

    @field_validator("default")
    @classmethod
    def _default_fits(cls, default: str | None, info: ValidationInfo) -> str | None:
        """A default is a value like any other: it must pass its own type and pattern."""
        if default is None or "type" not in info.data or "pattern" not in info.data:
            return default
        problem = value_problem(default, info.data["type"], info.data["pattern"])
        if problem:
            raise ValueError(f"the default {problem}")
        return default
