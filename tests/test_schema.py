"""The JSON Schema editors use: generated from the loader's own models, it accepts the
shipped configurations file by file and as a whole, and rejects what the loader rejects."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from console.model.schema import config_schema, file_names, file_schema
from console.paths import demo_config, example_config

VALIDATOR = jsonschema.Draft202012Validator
SHIPPED = [demo_config(), example_config()]


def documents(directory: Path) -> dict[str, dict]:
    return {p.name: tomllib.loads(p.read_text()) for p in sorted(directory.glob("*.toml"))}


def test_the_schemas_are_valid_json_schema():
    VALIDATOR.check_schema(config_schema())
    for name in file_names():
        VALIDATOR.check_schema(file_schema(name))


@pytest.mark.parametrize("directory", SHIPPED, ids=["demo", "example"])
def test_the_shipped_configurations_validate_file_by_file_and_whole(directory: Path):
    files = documents(directory)
    assert {"inventory.toml", "procedure.toml", "strategies.toml"} <= set(files)
    for name, data in files.items():
        VALIDATOR(file_schema(name)).validate(data)
    parts = {name.removesuffix(".toml"): data for name, data in files.items()}
    parts["strategies"] = parts["strategies"]["strategies"]
    VALIDATOR(config_schema()).validate(parts)


def test_what_the_loader_rejects_the_schema_flags():
    data = documents(demo_config())
    procedure = data["procedure.toml"]
    procedure["phases"][0]["steps"][0]["tittle"] = "a typo"
    errors = list(VALIDATOR(file_schema("procedure.toml")).iter_errors(procedure))
    assert any("tittle" in e.message for e in errors)
    custom = {"strategies": [{"name": "mine", "kind": "custom"}]}
    errors = list(VALIDATOR(file_schema("strategies.toml")).iter_errors(custom))
    assert [e.message for e in errors] == ["'commands' is a required property"]
    built_in = {"strategies": [{"name": "v", "kind": "version-rollback"}]}
    assert not list(VALIDATOR(file_schema("strategies.toml")).iter_errors(built_in))
    channel = {"name": "x", "kind": "pagerduty", "routing_key_env": "not an env name"}
    procedure["channels"] = [channel]
    errors = list(VALIDATOR(file_schema("procedure.toml")).iter_errors(procedure))
    assert any("not an env name" in e.message for e in errors)


def test_an_unknown_file_has_no_schema():
    with pytest.raises(KeyError):
        file_schema("nonsense.toml")
