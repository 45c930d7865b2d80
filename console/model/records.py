"""Dataclasses whose methods are written in Python rather than compiled at run time.

Python 3.11 compiles each method @dataclass generates with an `exec` of its own, on every
start: the incident state's 45-field `__init__` alone was ~7 M instructions of each
`exec` (issue 18). A class made with `@dataclass(init=False)` keeps its fields and
defaults, and sets its defaults with `set_defaults` (made once rarely: a state per fold, a
step per step). One made with `@dataclass(repr=False, eq=False)` on `Compared` has the
`__eq__` and `__repr__` @dataclass writes, written once here for every class."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

Defaults = tuple[tuple[str, Any, Any], ...]


def defaults_of(cls: type, skip: frozenset[str] = frozenset()) -> Defaults:
    """Each field's name, default and default factory (None when it has none), but `skip`."""
    return tuple(
        (
            f.name,
            f.default,
            None if f.default_factory is dataclasses.MISSING else f.default_factory,
        )
        for f in dataclasses.fields(cls)
        if f.name not in skip
    )


def set_defaults(obj: object, defaults: Defaults) -> None:
    """What the generated `__init__` does for fields not given: each one's default, or a
    fresh value of its factory."""
    for name, default, factory in defaults:
        object.__setattr__(obj, name, default if factory is None else factory())


class Compared:
    """`__eq__` and `__repr__` as @dataclass generates them (equal: the same class and
    equal fields, compared in order; shown: `Name(field=value, ...)`), and unhashable as
    it leaves a mutable class, for a `@dataclass(repr=False, eq=False)` subclass: not
    compiled class by class (the incident state's 50 fields, ~5 M instructions; issue 18)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return _compared(self) == _compared(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in _fields(self) if f.repr)
        return f"{self.__class__.__qualname__}({shown})"


def _compared(obj: object) -> tuple[Any, ...]:
    return tuple(getattr(obj, f.name) for f in _fields(obj) if f.compare)


def _fields(obj: object) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cast(Any, obj))  # a Compared is a dataclass
