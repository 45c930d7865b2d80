"""Typed strategy parameters: what a `{{name}}` placeholder may be given. A record
(frozen.py): a kept configuration makes it without pydantic (issue 18)."""

from dataclasses import dataclass
from typing import Annotated, Any

from console.model.frozen import After, AfterFields, Before, Frozen, checked_before, ruled
from console.model.param_types import ParamType
from console.model.templates import compile_pattern, value_problem


def _pattern_compiles(pattern: str | None) -> str | None:
    if pattern is not None:
        compile_pattern(pattern)
    return pattern


def _default_as_written(default: object) -> object:
    """A TOML integer (`default = 5432`, as an `integer` parameter suggests) is its
    digits: every value reaches a command as text."""
    if isinstance(default, int) and not isinstance(default, bool):
        return str(default)
    return default


# The types whose values are whole numbers: a TOML number or true is written for them as
# their text, and their own check says what is wrong with it.
_NUMBERS = {"integer", "port"}


def _number_default_as_text(data: object) -> object:
    """An integer or port parameter's default that TOML reads as another number, or as
    true or false (`default = 5.5`), is its text: said as the value it is (`the default
    '5.5' is not a whole number`). Refused first for not being text ('write it in quotes'),
    it took a second check-config to learn that quoted, it was not a number either."""
    kind = data.get("type") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(kind, str) or kind not in _NUMBERS:
        return data
    default = data.get("default")
    if isinstance(default, bool):
        return {**data, "default": "true" if default else "false"}  # as TOML writes it
    if isinstance(default, float):
        return {**data, "default": repr(default)}
    return data


def _default_fits(default: str | None, fields: dict[str, Any]) -> str | None:
    """A default is a value like any other: it must pass its own type and pattern (when
    both are valid: a default's problem is said beside another field's, as each is)."""
    if default is None or "type" not in fields or "pattern" not in fields:
        return default
    problem = value_problem(default, fields["type"], fields["pattern"], "", fields.get("takes", ""))
    if problem:
        raise ValueError(f"the default {problem}")
    return default


@dataclass(init=False, repr=False, eq=False)
class Parameter(Frozen):
    """A value substituted into command templates, always shell-quoted."""

    name: str = ruled(pattern=r"^[a-z_][a-z0-9_]*$")
    type: ParamType = ParamType.STRING
    pattern: Annotated[str | None, After(_pattern_compiles)] = None
    # what the pattern takes, in words: a refused value is said so, not as the pattern
    takes: str = ""
    default: Annotated[str | None, Before(_default_as_written), AfterFields(_default_fits)] = None
    required: bool = False
    description: str = ""
    secret: bool = False  # type env: that variable's value is redacted from every record

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_before(handler(source), _number_default_as_text)
