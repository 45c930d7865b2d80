"""Dataclasses whose `__init__` is written in Python rather than compiled at run time.

Python 3.11 compiles each method @dataclass generates with an `exec` of its own, on every
start: the incident state's 45-field `__init__` alone was ~7 M instructions of each
`exec` (issue 18). A class made with `@dataclass(init=False)` keeps its fields, defaults,
`__eq__` and `__repr__`, and sets its defaults with `set_defaults` (made once rarely: a
state per fold, a step per step)."""

from __future__ import annotations

import dataclasses
from typing import Any

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
