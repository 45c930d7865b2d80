"""What a record takes from the program (console/model/payloads/record.py): each value
checked against its field's annotation in Python, as pydantic's lax validation would
take it where that is plain; anything else is `Odd`, for pydantic itself to decide."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any

from typing_extensions import is_typeddict


class Odd(Exception):
    """A value not of its field's exact type: pydantic's lax validation decides."""


Take = Callable[[Any], Any]
_TAKERS: dict[type, dict[str, Take]] = {}


def takers(cls: type, fields: dict[str, tuple[Any, Any]]) -> dict[str, Take]:
    """Each field's check of a value the program gives, by field (see `_taker`)."""
    found = _TAKERS.get(cls)
    if found is None:
        found = _TAKERS[cls] = {name: _taker(a) for name, (a, _) in fields.items()}
    return found


def _taker(annotation: Any) -> Take:
    """The value given if it is exactly of `annotation`'s type, or what pydantic's lax
    validation makes of it where that is plain (an int given a float field a float, an
    enum field's word its member, a tuple given a list field a list, a TypedDict's keys
    in its declared order); raises Odd otherwise."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return _union([_taker(a) for a in args if a is not type(None)], type(None) in args)
    if annotation is Any:
        return _as_is
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return lambda value: value if type(value) is annotation else _member(annotation, value)
    if annotation in _EXACT:
        return _EXACT[annotation]
    if origin is list:
        each = _taker(args[0]) if args else _as_is
        return lambda value: [each(v) for v in _sequence(value)]
    if origin is dict or annotation is dict:
        each = _taker(args[1]) if args else _as_is
        return lambda value: {_key(k): each(v) for k, v in _mapping(value).items()}
    if is_typeddict(annotation):
        return _typed_dict(annotation)
    return _odd


def _union(members: list[Take], optional: bool) -> Take:
    def take(value: Any) -> Any:
        if value is None and optional:
            return None
        for member in members:
            try:
                return member(value)
            except Odd:
                continue
        raise Odd

    return take


def _typed_dict(annotation: Any) -> Take:
    """A TypedDict's keys in its declared order, then the other keys given (kept by a
    payload's reader: its `extra="allow"` holds for them too)."""
    each = {k: _taker(h) for k, h in typing.get_type_hints(annotation).items()}
    required = annotation.__required_keys__

    def rebuilt(value: Any) -> dict[str, Any]:
        given = _mapping(value)
        ordered = {k: take(given[k]) for k, take in each.items() if k in given}
        if not required <= ordered.keys():
            raise Odd
        if len(ordered) != len(given):
            ordered |= {_key(k): v for k, v in given.items() if k not in ordered}
        return ordered

    return rebuilt


def _as_is(value: Any) -> Any:
    return value


def _odd(value: Any) -> Any:
    raise Odd


def _member(kind: type[enum.Enum], value: Any) -> Any:
    try:
        return kind(value) if type(value) is str else _odd(value)
    except ValueError:
        raise Odd from None


def _sequence(value: Any) -> Any:
    if type(value) in (list, tuple):
        return value
    raise Odd


def _mapping(value: Any) -> dict[Any, Any]:
    if type(value) is dict:
        return value
    raise Odd


def _key(key: Any) -> str:
    if type(key) is str:
        return key
    raise Odd


def _exact(kind: type) -> Take:
    def take(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise Odd

    return take


def _string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise Odd


def _as_float(value: Any) -> Any:
    if type(value) is float and value - value == 0:  # finite
        return value
    if type(value) is int:
        return float(value)
    raise Odd


_EXACT: dict[Any, Take] = {str: _string, int: _exact(int), bool: _exact(bool), float: _as_float}
