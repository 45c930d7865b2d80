"""The configuration models refuse what they cannot run, and templates quote."""

import re
import shlex

import pytest
from pydantic import ValidationError

from console.model.inventory import Inventory
from console.model.procedure import Procedure
from console.model.strategies import Strategy
from console.model.templates import ParameterError, check_value, render
from console.model.triggers import AUTOMATIC, MANUAL, TriggerKind


def test_host_names_are_unique_across_systems():
    with pytest.raises(ValidationError, match="host 'a-1' is in both 'x' and 'y'"):
        Inventory.validated(
            {
                "systems": [
                    {"name": "x", "hosts": [{"name": "a-1"}]},
                    {"name": "y", "hosts": [{"name": "a-1"}]},
                ]
            }
        )


def test_unknown_keys_are_refused():
    # A record's words; check-config says "unknown key" (tests/config_corpus).
    with pytest.raises(ValidationError, match="Unexpected keyword argument"):
        Inventory.validated({"systems": [{"name": "x", "hosts": [{"name": "a", "prot": 22}]}]})


def _phase(phase, *steps):
    return {"phase": phase, "steps": [{"id": s, "title": s, "kind": "manual"} for s in steps]}


def test_procedure_has_three_phases_in_order():
    ok = Procedure.validated(
        {"phases": [_phase("immediate", "a"), _phase("execution", "b"), _phase("post", "c")]}
    )
    assert [s.id for s in ok.steps] == ["a", "b", "c"]
    with pytest.raises(ValidationError, match="phases must be immediate, execution, post"):
        Procedure.validated(
            {"phases": [_phase("execution", "b"), _phase("immediate", "a"), _phase("post", "c")]}
        )
    with pytest.raises(ValidationError, match="step id 'a' is used twice"):
        Procedure.validated(
            {"phases": [_phase("immediate", "a"), _phase("execution", "a"), _phase("post", "c")]}
        )


def test_strategy_templates_may_only_use_declared_parameters():
    with pytest.raises(ValidationError, match=re.escape("{{target}} is not a declared parameter")):
        Strategy.validated(
            {"name": "s", "kind": "custom", "commands": {"action": "deploy {{target}}"}}
        )
    ok = Strategy.validated(
        {
            "name": "s",
            "kind": "custom",
            "params": [{"name": "target", "required": True}],
            "commands": {"action": "deploy {{target}} on {{host}}"},
        }
    )
    assert ok.commands.stages() == [("action", "deploy {{target}} on {{host}}")]


@pytest.mark.parametrize(
    "value", ["; rm -rf /", "$(touch /tmp/x)", "`id`", "a\nb", "it's", '"q"', "x y"]
)
def test_render_quotes_every_value_so_the_shell_sees_one_word(value):
    command = render("echo {{v}}", {"v": value})
    assert shlex.split(command) == ["echo", value]


def test_typed_parameters_reject_what_does_not_fit():
    assert check_value("target", "2.4.0", "version", None) == "2.4.0"
    with pytest.raises(ParameterError, match="is not a version: letters"):
        check_value("target", "2.4.0; rm -rf /", "version", None)
    with pytest.raises(ParameterError, match="is not a whole number"):
        check_value("n", "12a", "integer", None)
    with pytest.raises(ParameterError, match="is not text matching"):
        check_value("flag", "Checkout", "string", r"[a-z-]+")
    with pytest.raises(ParameterError, match=r"'Checkout' is not a flag name in lowercase$"):
        check_value("flag", "Checkout", "string", r"[a-z-]+", takes="a flag name in lowercase")
    # `date +%N` gives nine decimals; PostgreSQL keeps six: the refusal says so
    assert check_value("t", "2026-12-02T03:50:17.261087Z", "timestamp", None)
    with pytest.raises(ParameterError, match=re.escape("(at most 6 decimals of a second)")):
        check_value("t", "2026-12-02T03:50:17.261087868Z", "timestamp", None)
    with pytest.raises(
        ParameterError, match=re.escape("{{missing}} is not a value filled in here")
    ):
        render("echo {{missing}}", {})


def test_eight_triggers_four_automatic_four_manual():
    assert len(TriggerKind) == 8
    assert len(AUTOMATIC) == 4 and len(MANUAL) == 4
    assert TriggerKind.USER_IMPACT in MANUAL and TriggerKind.DATA_CORRUPTION.automatic
    assert TriggerKind.ERROR_THRESHOLD.label == "Critical error threshold exceeded"


def test_notify_templates_may_name_exactly_what_the_engine_fills_in():
    from console.engine.payloads import Update
    from console.model.notify_kinds import NOTIFY_VALUES

    update = Update("incident", "title", "phase", "step", "info", "summary", "message")
    assert set(update.values()) == NOTIFY_VALUES | {"message"}


@pytest.mark.parametrize(
    ("type_", "value"),
    [("string", "-rf"), ("path", "--version"), ("integer", "-5"), ("string", "--x=1")],
)
def test_a_value_starting_with_dash_could_be_an_option_and_is_refused(type_, value):
    """Every type whose own form lets a leading '-' through still refuses it, naming the
    parameter and the allowed form; the parameter's own pattern may allow it."""
    with pytest.raises(ParameterError) as refused:
        check_value("p", value, type_, None)
    said = str(refused.value)
    assert said.startswith(f"parameter 'p': {value!r} starts with '-'")
    assert "allowed: " in said and "not starting with '-'" in said
    assert check_value("p", value, type_, r"-.*") == value


def test_a_refusal_quotes_at_most_80_characters_of_the_value():
    value = "-" + "x" * 500
    with pytest.raises(ParameterError) as refused:
        check_value("p", value, "path", None)
    said = str(refused.value)
    assert repr("-" + "x" * 79 + "…") in said and "x" * 81 not in said


@pytest.mark.parametrize(
    ("kind", "default", "given"),
    [
        (str, ..., {"description": "d"}),
        (str, "", {"description": "d", "pattern": r"^\w+$", "min_length": 1, "max_length": 9}),
        (float, 10.0, {"gt": 0, "le": 120, "description": "seconds"}),
        (int, 3, {"ge": 0, "lt": 11, "multiple_of": 1, "strict": True, "frozen": True}),
        (list[str], ..., {"default_factory": list, "repr": False, "exclude": True, "title": "t"}),
        (str | None, None, {"examples": ["a"], "json_schema_extra": {"x": 1}}),
        (list[str], [], {"alias": "keys", "description": "an alias: pydantic's own Field"}),
    ],
)
def test_the_models_field_is_pydantics(kind, default, given):
    """console.model.base's Field (made from the arguments given, issue 18) makes the
    FieldInfo pydantic's Field makes, and a model built with it behaves the same."""
    import pydantic
    from pydantic.fields import FieldInfo

    from console.model.base import Field

    ours, theirs = Field(default, **given), pydantic.Field(default, **given)
    assert isinstance(ours, FieldInfo)
    for name in FieldInfo.__slots__:
        mine, other = getattr(ours, name, None), getattr(theirs, name, None)
        if name == "metadata":  # pydantic's general metadata has no equality of its own
            mine, other = [repr(m) for m in mine], [repr(m) for m in other]
        assert mine == other, name

    def model(field):
        return pydantic.create_model("M", x=(kind, field))

    assert model(ours).model_json_schema() == model(theirs).model_json_schema()
