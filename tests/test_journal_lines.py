"""The journal's lines written in Python (console/journal/lines.py) of records made in
Python (console/model/payloads/record.py) are the bytes pydantic writes for the same
input (the records' generated readers' `model_dump_json(by_alias=True,
exclude_unset=True)`), for every kind, over awkward values: unicode, control characters,
huge integers, tiny and huge floats (pydantic writes `1e-7` and `0.00001`, Python
`1e-07` and `1e-05`), None, nested data, keys left out (`exclude_unset`), keys a
version-1 line holds that no model knows, and what pydantic's lax validation changes
(an int given a float field, an enum's word, a TypedDict's keys in another order)."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
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
    if is_typeddict(annotation):  # its keys in another order, and one it does not have
        hints = typing.get_type_hints(annotation)
        given = {key: _awkward(hint, pick) for key, hint in reversed(hints.items())}
        return {**given, "unheard_of": pick} if pick == 1 else given
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        member = list(annotation)[pick % len(annotation)]
        return member.value if pick == 1 else member  # a word, as a writer may give it
    if annotation is Any:
        return [None, FLOATS[pick % len(FLOATS)], {"nested": [TEXT, -HUGE, True]}]
    return {
        str: STRINGS[pick % 4],
        int: HUGE if pick % 2 else -1,
        float: 5 if pick == 1 else FLOATS[pick % len(FLOATS)],  # an int: written 5.0
        bool: bool(pick % 2),
    }[annotation]


def _data(model: Any, pick: int, every: bool, nones: bool) -> dict[str, Any]:
    """Every field (or the required ones), None for the optional ones if `nones`."""
    data = {}
    for name, field in model.reader().model_fields.items():
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


def _pydantics(event: dict[str, Any]) -> bytes:
    """The line pydantic writes of `event` (a journal line's JSON), validated by the
    event's reader as a journal line is read."""
    model = Event.reader().model_validate(event)
    return model.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"


@pytest.mark.parametrize("kind", list(HOMES))
def test_every_kinds_line_is_pydantics(kind):
    model = payload_model(kind)
    for pick in range(4):
        every, nones = pick != 3, pick == 2
        data = _data(model, pick, every, nones)
        payload = model(**data)  # as the recorder makes it: no pydantic
        ts, who, where = WHEN[pick % 3], WHO[pick % 3], WHERE[pick % 3]
        mono = [1e-7, 11813.103966, 1e-5, 7.0][pick]
        built = Event.built(HUGE + pick, ts, mono, who, where, payload)
        envelope = {"v": 2, "seq": HUGE + pick, "ts": ts, "mono": mono, "who": who}
        envelope |= {"kind": kind, "where": where, "data": data}
        assert line_bytes(built) == _pydantics(envelope), (kind, pick)
        # Read back, as `resume` and a test read it; a version-1 line with a key no model
        # knows, and an envelope with keys left out.
        line = {"v": 1, "seq": pick, "ts": ts, "mono": mono, "who": {"user": "r"}, "kind": kind}
        if pick != 3:
            line["where"] = {"step": TEXT}
        line["data"] = {**data, "unheard_of": [{"x": 1e-6, "y": [HUGE, None]}]}
        read = Event.validated(line)
        assert line_bytes(read) == _pydantics(line), (kind, pick)
        reread = Event.validated(json.loads(line_bytes(read)))
        assert line_bytes(reread) == line_bytes(read), (kind, pick)
        assert reread == read and reread.as_json() == json.loads(line_bytes(read))


def test_floats_and_times_are_pydantics():
    """Floats across every exponent, and an event's `mono` that small (1e-7)."""
    line = {"seq": 0, "ts": WHEN[0], "mono": 1.0, "who": {"user": "u"}, "kind": "note.added",
            "data": {"text": "t"}}  # fmt: skip
    event = Event.validated(line)
    for exponent in range(-323, 308, 7):
        for mantissa in (1.0, 9.94044579673885, -3.25):
            mono = mantissa * 10.0**exponent
            assert line_bytes(event.replace(mono=mono)) == _pydantics({**line, "mono": mono})
    for mono in (float("inf"), float("nan")):  # never recorded; written as pydantic does
        moved = Event.reader().model_validate(line).model_copy(update={"mono": mono})
        pydantics = moved.model_dump_json(by_alias=True, exclude_unset=True).encode()
        assert line_bytes(event.replace(mono=mono)) == pydantics + b"\n"


def test_exec_s_events_are_made_and_written_without_pydantic():
    """The twelve kinds exec writes, their envelope and their lines: no pydantic module is
    imported for them (issue 18: its import and first model cost exec ~320 M
    instructions); reading one back builds its reader, pydantic's own."""
    code = """
import sys
from datetime import UTC, datetime
from console.journal.lines import line_bytes
from console.model.events import Actor, Event, Where
from console.model.payloads import payload_model
data = {
    "incident.opened": {"incident_id": "i", "steps": [{"phase": "p", "id": "s", "title": "t", "kind": "k"}]},
    "lock.acquired": {"systems": ["web"], "pid": 1},
    "step.started": {"title": "t", "hosts": ["web-1"], "adhoc": True},
    "wave.started": {"wave": 1, "waves": 1, "hosts": ["web-1"]},
    "command.intent": {"command": "true", "stage": "run", "token": "0a"},
    "command.output": {"stream": "stdout", "lines": ["é\\x1b[1m"]},
    "command.result": {"stage": "run", "failure": "non-zero exit", "exit_status": 3, "duration": 1},
    "wave.finished": {"wave": 1, "waves": 1, "failed": 1},
    "step.completed": {"title": "t", "status": "failed", "summary": "s"},
    "lock.kept": {"systems": ["web"], "hosts": ["web-1"]},
    "lock.released": {"systems": ["web"]},
    "incident.closed": {"outcome": "failed"},
}
who, where = Actor(user="u", client=None), Where(system="web", host="web-1")
for seq, (kind, given) in enumerate(data.items()):
    event = Event.built(seq, datetime.now(UTC), 0.5, who, where, payload_model(kind)(**given))
    line_bytes(event)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "[]\n", done.stdout
