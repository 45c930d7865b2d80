"""The JSON Schema of `export --format json` (published as docs/export.schema.json): the
export's models, and each event's `data` as its kind's payload model says.

An event's `data` is checked by the branch of its `kind`: a version-2 event's data holds
its model's keys and no other (as reading it does, console/model/events.py), but those the
export leaves out (facts.LEFT_OUT), which it does not name; a version-1 event's may hold
keys no model knew then. A kind this schema does not name (a newer
console's) keeps any object as data."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue, models_json_schema

from console.journal.export.facts import LEFT_OUT, Export
from console.model.events import Event
from console.model.payloads import Payload, all_models

_V1 = {"properties": {"v": {"const": 1}}, "required": ["v"]}


def export_schema() -> dict[str, Any]:
    """One namespace of definitions for the export's models and every payload model."""
    payload_models = all_models()
    readers = {m: m.reader() for m in payload_models}
    models: list[type[BaseModel]] = [Export, Event.reader(), *readers.values()]
    refs, schema = models_json_schema([(m, "serialization") for m in models], by_alias=True)
    defs: dict[str, JsonSchemaValue] = schema["$defs"]
    defs.pop(Payload.__name__, None)  # the base `Event.data` names, its schema given instead
    for payload, model in readers.items():
        data = defs[_name(refs[model, "serialization"])]
        # The open object of a version-1 event; a version-2 event closes it (_data).
        data.pop("additionalProperties", None)
        for key in LEFT_OUT.get(payload.KIND, ()):  # what the export never holds: not named
            data["properties"].pop(key)
    event = defs[_name(refs[Event.reader(), "serialization"])]
    event["allOf"] = [_data(m, refs[r, "serialization"]) for m, r in readers.items()]
    top = defs.pop(_name(refs[Export, "serialization"]))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rollback-console export --format json",
        "$defs": defs,
        **top,
    }


def _name(ref: JsonSchemaValue) -> str:
    return str(ref["$ref"]).removeprefix("#/$defs/")


def _data(model: type[Payload], ref: JsonSchemaValue) -> JsonSchemaValue:
    """If the event is of `model`'s kind, its data is `model`'s (closed from version 2)."""
    return {
        "if": {"properties": {"kind": {"const": model.KIND}}, "required": ["kind"]},
        "then": {
            "if": _V1,
            "then": {"properties": {"data": ref}},
            "else": {"properties": {"data": {**ref, "unevaluatedProperties": False}}},
        },
    }
