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


class Parameter(Strict):
    """A value substituted into command templates, always shell-quoted."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    type: ParamType = ParamType.STRING
    pattern: str | None = None
    default: str | None = None
    required: bool = False
    description: str = ""
