"""The journal's lines written in Python (console/journal/lines.py) are pydantic's bytes
(`Event.line_bytes`), for every kind, over awkward values: unicode, control characters,
huge integers, tiny and huge floats (pydantic writes `1e-7` and `0.00001`, Python
`1e-07` and `1e-05`), None, nested data, keys left out (`exclude_unset`) and keys a
version-1 line holds that no model knows."""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from typing_extensions import is_typeddict

from console.journal.lines import line_bytes
from console.model.events import Actor, Event, Where
from console.model.payloads import HOMES, payload_model

TEXT = 'é ü 😀 \u2028 \x00\x01\x1b\x7f \t\n\r\x08\x0c " \\ / e-05 NaN'
PLAIN = "web-1 é ü 😀 \u2028 \x7f / e-05 NaN"  # nothing to escape
CONTROL = "a\x1b[1mb\tc\x00"  # no quote, no backslash
STRINGS = [PLAIN, TEXT, PLAIN, CONTROL]
FLOATS = [1e-7, 1e-5, -9.94e-5, 0.0001, 1e16, 1.5e300, 5e-324, -0.0, 11813.103966, 0.054]
HUGE = 2**70 + 3


def _awkward(annotation: Any, pick: int) -> Any:
    """A value of `annotation`'s type, the `pick`th of the awkward ones."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        return _awkward(members[pick % len(members)], pick)
    if origin is list:  # for a str: all plain (a batch of output), escaped, or mixed
        mixed = [_awkward(args[0], pick + 1)] if pick == 2 else []
        return [_awkward(args[0], pick), _awkward(args[0], pick + 2), *mixed]
    if origin is dict:
        return {TEXT: _awkward(args[1], pick), "k": _awkward(args[1], pick + 1)}
    if is_typeddict(annotation):
        hints = typing.get_type_hints(annotation)
        return {key: _awkward(hint, pick) for key, hint in reversed(hints.items())}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = list(annotation)
        return members[pick % len(members)]
    if annotation is Any:
        return [None, FLOATS[pick % len(FLOATS)], {"nested": [TEXT, -HUGE, True]}]
    return {
        str: STRINGS[pick % 4],
        int: HUGE if pick % 2 else -1,
        float: FLOATS[pick % len(FLOATS)],
        bool: bool(pick % 2),
    }[annotation]


def _data(model: Any, pick: int, every: bool, nones: bool) -> dict[str, Any]:
    """Every field (or the required ones), None for the optional ones if `nones`."""
    data = {}
    for name, field in model.model_fields.items():
        if not (every or field.is_required()):
            continue
        optional = type(None) in typing.get_args(field.annotation)
        data[field.alias or name] = None if nones and optional else _awkward(field.annotation, pick)
    return data


WHEN = [
    datetime(2026, 12, 6, 16, 26, 8, 561265, tzinfo=UTC),
    datetime(2026, 12, 6, 16, 26, 8, tzinfo=UTC),  # no microseconds: none written
    datetime(2026, 12, 6, 16, 26, 9, 5, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
]
WHO = [
    Actor(user="root", client=None),
    Actor(user=TEXT, commander="ålice"),
    Actor(user="u", commander=None),
]
WHERE = [Where(system="web", host="web-1", step="adhoc-1"), Where(host=TEXT), Where()]


@pytest.mark.parametrize("kind", list(HOMES))
def test_every_kinds_line_is_pydantics(kind):
    model = payload_model(kind)
    for pick in range(4):
        every, nones = pick != 3, pick == 2
        data = _data(model, pick, every, nones)
        payload = model.model_validate(data)
        ts, who, where = WHEN[pick % 3], WHO[pick % 3], WHERE[pick % 3]
        mono = [1e-7, 11813.103966, 1e-5, 7.0][pick]
        built = Event.built(HUGE + pick, ts, mono, who, where, payload)
        assert line_bytes(built) == built.line_bytes(), (kind, pick)
        # Read back, as `resume` and a test read it; a version-1 line with a key no model
        # knows, and an envelope with keys left out.
        line = {"v": 1, "seq": pick, "ts": ts, "mono": mono, "who": {"user": "r"}, "kind": kind}
        if pick != 3:
            line["where"] = {"step": TEXT}
        line["data"] = {**data, "unheard_of": [{"x": 1e-6, "y": [HUGE, None]}]}
        read = Event.model_validate(line)
        assert line_bytes(read) == read.line_bytes(), (kind, pick)
        reread = Event.model_validate_json(read.line_bytes())
        assert line_bytes(reread) == read.line_bytes(), (kind, pick)


def test_floats_and_times_are_pydantics():
    """Floats across every exponent, and an event's `mono` that small (1e-7)."""
    event = Event.model_validate(
        {"seq": 0, "ts": WHEN[0], "mono": 1.0, "who": {"user": "u"}, "kind": "note.added",
         "data": {"text": "t"}}
    )  # fmt: skip
    for exponent in range(-323, 308, 7):
        for mantissa in (1.0, 9.94044579673885, -3.25):
            mono = mantissa * 10.0**exponent
            moved = event.model_copy(update={"mono": mono})
            assert line_bytes(moved) == moved.line_bytes(), mono
    for mono in (float("inf"), float("nan")):  # never recorded; written as pydantic does
        moved = event.model_copy(update={"mono": mono})
        assert line_bytes(moved) == moved.line_bytes()
