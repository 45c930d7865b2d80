"""Configuration records: frozen dataclasses that pydantic validates when a configuration
is loaded, and that are made, compared and read without it (issue 18: exec's way
without pydantic's import, ~300 M instructions).

    @dataclass(init=False, repr=False, eq=False)
    class Soak(Frozen):
        samples: Annotated[int, Limits(ge=1, le=1000)] = 3

A record's checks are what a `Strict` model's are: unknown keys are errors, numbers are
finite, the field constraints are metadata (`Limits`) and a check of the whole is a
`__get_pydantic_core_schema__` (`checked_after`) that imports pydantic only when a
validator is built. Nothing is compiled per class: @dataclass makes no method here
(Python 3.11 compiles each generated method on every start); `Frozen` has them once.
Made directly (`Soak()`, `replace`), a record is not validated: defaults and values
already validated only; `validated` checks what comes from a file.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import TypeAdapter

_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


class Frozen:
    """A dataclass's fields made, compared, hashed and shown as a frozen @dataclass does,
    with the configuration's strictness for pydantic (base.Strict's `model_config`)."""

    __slots__ = ()
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid", "allow_inf_nan": False}

    def __init__(self, **given: Any) -> None:
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            if field.name in given:
                value = given.pop(field.name)
            elif field.default is not dataclasses.MISSING:
                value = field.default
            elif field.default_factory is not dataclasses.MISSING:
                value = field.default_factory()
            else:
                raise TypeError(f"{type(self).__name__}: {field.name} is required")
            object.__setattr__(self, field.name, value)
        if given:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(given)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        names = (f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` (not validated: values already checked), and what was
        noted on it (Settings' directory and warnings)."""
        copy = dataclasses.replace(self, **changes)  # type: ignore[type-var]
        for name, value in vars(self).items():
            vars(copy).setdefault(name, value)
        return copy

    @classmethod
    def validated(cls, data: Any) -> Self:
        """`data` (a file's table) checked as the loader checks it; raises pydantic's
        ValidationError."""
        return cast("Self", _adapter(cls).validate_python(data))

    def dumped(self, **options: Any) -> Any:
        """Its fields as plain data, as pydantic's `model_dump(**options)` gives a model's
        (`mode="json"`, `exclude_none=True`, ...)."""
        return _adapter(type(self)).dump_python(self, **options)

    @classmethod
    def core_schema(cls) -> Any:
        """Its pydantic core schema (for the schema of what holds it: later.py)."""
        return _adapter(cls).core_schema

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """Its JSON schema, as pydantic writes a model's."""
        return _adapter(cls).json_schema()


def _adapter(cls: type) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def ruled(default: Any = dataclasses.MISSING, **rules: Any) -> Any:
    """A field whose pydantic `Field` arguments (`pattern`, `ge`, `strict`, `min_length`,
    `description`, ...) are its metadata: pydantic reads a dataclass field's metadata as
    them, and nothing is imported here."""
    return dataclasses.field(default=default, metadata=rules)


class Limits:
    """A number's bounds (`ge`, `gt`, `le`, `lt`), checked strictly (an integer takes no
    bool, string or fraction) unless `strict=False`: pydantic's `Field(ge=...,
    strict=True)`, as metadata (inside a union, where a field's own cannot go)."""

    def __init__(self, **bounds: Any) -> None:
        self.bounds = {"strict": True, **bounds}

    def __repr__(self) -> str:
        return f"Limits({', '.join(f'{k}={v!r}' for k, v in self.bounds.items())})"

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = dict(handler(source))
        if schema["type"] == "nullable":
            schema["schema"] = inner = dict(schema["schema"])
        else:
            inner = schema
        inner.update(self.bounds)
        return schema


class After:
    """`check` of a field's value once it is valid: pydantic's AfterValidator, as
    metadata."""

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), self.check)


class Before:
    """`check` of a field's value as given, before it is validated: pydantic's
    BeforeValidator, as metadata."""

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return checked_before(handler(source), self.check)


class AfterFields:
    """`check(value, fields)` of a field's value once it is valid, `fields` the valid ones
    before it (by name): pydantic's field_validator reading `info.data`, as metadata."""

    def __init__(self, check: Callable[[Any, dict[str, Any]], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def checked(value: Any, info: Any) -> Any:
            return self.check(value, info.data)

        return core_schema.with_info_after_validator_function(checked, handler(source))


def checked_after(schema: Any, check: Callable[[Any], Any]) -> Any:
    """`schema` followed by `check` of the whole value, once its fields are valid (what
    `model_validator(mode="after")` is to a model); for `__get_pydantic_core_schema__`."""
    from pydantic_core import core_schema

    return core_schema.no_info_after_validator_function(check, schema)


def checked_before(schema: Any, check: Callable[[Any], Any]) -> Any:
    """`check` of the value as given (a file's table), then `schema`: what
    `model_validator(mode="before")` is to a model."""
    from pydantic_core import core_schema

    return core_schema.no_info_before_validator_function(check, schema)


def in_turn(*checks: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One check of the whole that runs `checks` in order, as a model's validators of
    one mode run (the first that raises ends it)."""

    def check(value: Any) -> Any:
        for each in checks:
            value = each(value)
        return value

    return check


def empty_list() -> list[Any]:
    """A list field's default factory: a Python function, not `list`: pydantic asks a
    default factory for its signature, and a builtin's is parsed from its text with the
    tokenizer, whose first use compiles its patterns (~20 M instructions, issue 18)."""
    return []


def empty_dict() -> dict[str, Any]:
    """A table field's default factory (a Python function, as `empty_list`)."""
    return {}


class Shown:
    """A default made by a factory shown in the JSON schema, as a model's `= []` shows it
    (a dataclass takes a list or dict default only from a factory, which pydantic leaves
    out of the schema)."""

    def __init__(self, default: Any) -> None:
        self.default = default

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        return {**handler(schema), "default": self.default}


EMPTY_SHOWN = Shown([])


class JsonAs:
    """A value's JSON schema given whole: pydantic's WithJsonSchema, as metadata (a
    secret's check says what it takes without quoting the value)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        return dict(self.schema)
