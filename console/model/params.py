"""Typed strategy parameters: what a `{{name}}` placeholder may be given."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from console.model.base import Strict


class ParamType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    VERSION = "version"
    PATH = "path"
    TIMESTAMP = "timestamp"
    NAME = "name"
    ENV = "env"  # the name of an environment variable of the console (on the jump host)


class Parameter(Strict):
    """A value substituted into command templates, always shell-quoted."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    type: ParamType = ParamType.STRING
    pattern: str | None = None
    default: str | None = None
    required: bool = False
    description: str = ""
    secret: bool = False  # type env: that variable's value is redacted from every record
