"""An event's journal line, written in Python: the bytes pydantic's serializer writes for
the same event (`model_dump_json(by_alias=True, exclude_unset=True)` of its reader,
console/model/payloads/record.py), which tests/test_journal_lines.py holds equal over
every kind, with awkward values (issue 18: exec's way without pydantic).

A record is written as a JSON object of the fields it was given, in its order (a field's
`exclude_if` heeded, its alias as the key), then the keys it kept unknown; the rest as
pydantic writes JSON: strings with `"`, `\\` and the control characters escaped, a
float's shortest form (`1e-7`, `0.00001`, where Python writes `1e-07`, `1e-05`),
infinity and NaN as null, an enum as its value, a datetime in ISO 8601, `Z` for UTC."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from enum import Enum
from json.encoder import encode_basestring
from typing import Any

from console.model.payloads import Payload
from console.model.payloads.record import Record

# A float Python writes otherwise (`1e-07`, `1e-05`, `NaN`), found outside strings.
_DIFFERENT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?[0-9.]+)e-0([5-9])|(-?Infinity|NaN)')

# Per record class: each field's (name, `"key":`, the test leaving its value out).
_PLANS: dict[type, list[tuple[str, str, Any]]] = {}
# The text of a record that keeps no unknown keys (who, where), by id, with it.
_WRITTEN: dict[int, tuple[Any, str]] = {}


def line_bytes(event: Any) -> bytes:
    """The event's journal line, newline ended."""
    return f"{_model(event)}\n".encode()


def _model(model: Record) -> str:
    plan = _PLANS.get(type(model))
    if plan is None:
        plan = _PLANS[type(model)] = [
            (
                name,
                f"{encode_basestring(spec.rules.get('alias', name))}:",
                spec.rules.get("exclude_if"),
            )
            for name, (_, spec) in type(model).FIELDS.items()
        ]
    given = model._given
    values = model.__dict__
    parts = []
    for name, key, left_out in plan:
        if name in given:
            value = values[name]
            if left_out is None or not left_out(value):
                parts.append(key + _value(value))
    extra = model._extra
    if extra:
        parts += [f"{encode_basestring(k)}:{_value(v)}" for k, v in extra.items()]
    return "{" + ",".join(parts) + "}"


def _value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return repr(value)  # the slot's own call (int.__repr__ is a wrapper's: +1 k)
    if kind is float:
        return _float(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, Record):
        if isinstance(value, Payload):  # written once
            return _model(value)
        written = _WRITTEN.get(id(value))  # who and where: the same on most lines
        if written is not None and written[0] is value:
            return written[1]
        text = _model(value)
        if len(_WRITTEN) >= 1024:
            _WRITTEN.clear()
        _WRITTEN[id(value)] = (value, text)
        return text
    if isinstance(value, datetime):
        return _time(value)
    if kind is list and value:
        shown = _plain_strings(value)
        if shown is not None:
            return shown
    text = _ENCODER.encode(value)
    return _DIFFERENT.sub(_as_pydantic, text) if _differs(text) else text


def _plain_strings(values: list[Any]) -> str | None:
    """A list of strings none of which needs escaping (a batch of output), checked in one
    pass: escaped one by one, a 50-line batch cost three times pydantic's line (issue 18)."""
    try:
        raw = "".join(values).encode()
    except (TypeError, UnicodeEncodeError):  # not all strings, or a lone surrogate
        return None
    if len(raw.translate(None, _ESCAPED)) != len(raw):
        return None
    return '["' + '","'.join(values) + '"]'


# What a JSON string escapes: the control characters, the quote and the backslash.
_ESCAPED = bytes(range(32)) + b'"\\'


def _time(value: datetime) -> str:
    """A time as pydantic writes it: ISO 8601, `Z` for UTC, microseconds if any. An
    event's is UTC, and the second before it most likely its predecessor's (its
    `isoformat` was a fifth of a line's cost)."""
    if value.tzinfo is not UTC:
        shown = value.isoformat()
        return f'"{shown[:-6]}Z"' if shown.endswith("+00:00") else f'"{shown}"'
    global _SECOND  # one tuple, replaced whole: a writer in another thread reads a pair
    second = (value.second, value.minute, value.hour, value.day, value.month, value.year)
    last = _SECOND
    if second != last[0]:
        last = _SECOND = (second, value.replace(microsecond=0, tzinfo=None).isoformat())
    micro = value.microsecond
    return f'"{last[1]}.{str(micro + 1000000)[1:]}Z"' if micro else f'"{last[1]}Z"'


# The last second written: its fields, its text.
_SECOND: tuple[Any, str] = ((), "")


def _float(value: float) -> str:
    if value - value != 0:  # infinite, or NaN
        return "null"
    text = repr(value)
    return _DIFFERENT.sub(_as_pydantic, text) if _differs(text) else text


def _differs(text: str) -> bool:
    return "e-0" in text or "Infinity" in text or "NaN" in text


def _plain(value: Any) -> Any:
    """What json writes for a value inside a field (a list, a dict) it does not know."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | Record):
        return json.loads(_value(value))
    raise TypeError(f"{type(value).__name__} has no form in a journal line")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain)


def _as_pydantic(found: re.Match[str]) -> str:
    """A float as pydantic writes it: `1e-7` for `1e-07`; for an exponent of -5 its
    decimals (`0.0000994`); infinity and NaN as null. A string stays as it is."""
    mantissa, exponent, not_finite = found.groups()
    if not_finite:
        return "null"
    if mantissa is None:
        return found.group()
    if exponent != "5":
        return f"{mantissa}e-{exponent}"
    sign = "-" if mantissa[0] == "-" else ""
    return f"{sign}0.0000{mantissa.lstrip('-').replace('.', '')}"
