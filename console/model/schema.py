"""JSON Schema of the configuration, from the same models the loader validates with: the
whole directory as one document, and each file on its own (for editors: taplo, Even
Better TOML), every one with the definitions it refers to."""

from __future__ import annotations

import copy
from typing import Any

from console.model.files import FILES
from console.model.settings import Settings

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def config_schema() -> dict[str, Any]:
    """The whole configuration: one property per file of the directory."""
    schema = Settings.json_schema()
    schema["description"] = (
        "A rollback-console configuration directory: each property is one TOML file "
        + ", ".join(f"({part}: {name})" for part, name in FILES.items())
    )
    return {"$schema": DIALECT, **schema}


def file_schema(filename: str) -> dict[str, Any]:
    """The schema of one file of the directory (`inventory.toml`, ...)."""
    parts = {name: part for part, name in FILES.items()}
    if filename not in parts:
        raise KeyError(filename)
    whole = Settings.json_schema()
    defs = whole.get("$defs", {})
    field = whole["properties"][parts[filename]]
    if "$ref" in field:
        root = copy.deepcopy(defs[field["$ref"].rsplit("/", 1)[-1]])
    else:  # strategies.toml holds its list under `strategies`
        root = {
            "type": "object",
            "properties": {parts[filename]: field},
            "required": [parts[filename]],
            "additionalProperties": False,
        }
    return {"$schema": DIALECT, **root, "title": filename, "$defs": defs}


def file_names() -> list[str]:
    return list(FILES.values())
