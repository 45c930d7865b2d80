"""A configuration model named in an annotation but built at its first use: for what most
configurations leave out (drill scenarios, notification channels, automatic triggers),
whose classes every command would otherwise make at its start (~0.7 M instructions a
field, issue 18). It is a pydantic model or a record (frozen.py), whose module is
imported only when a file has one.

    if TYPE_CHECKING:
        from console.model.drills import Scenario
    else:
        Scenario = later("console.model.drills", "Scenario")

    scenarios: list[Scenario] = []

A value is validated by the model's own validator, with the caller's context: the same
checks, and its errors are pydantic's, located under the field as a nested model's are
(pydantic re-raises a validator's ValidationError under the field's location). The JSON
schema is the model's own, as a `$ref` into the same `$defs`. Its module is imported when
a value is validated, a schema generated or `.model` read (problems.py's key hints).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any

from console.model.frozen import Frozen

if TYPE_CHECKING:  # pydantic is imported when a validator or a schema is built (issue 18)
    from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema
    from pydantic_core.core_schema import SerializationInfo, SerializerFunctionWrapHandler


class Later:
    """Stands for `module.name` (a pydantic model or a record) in an annotation."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._model: type[BaseModel] | type[Frozen] | None = None

    def __repr__(self) -> str:
        return f"later({self.module!r}, {self.name!r})"

    @property
    def model(self) -> type[BaseModel] | type[Frozen]:
        if self._model is None:
            self._model = getattr(importlib.import_module(self.module), self.name)
        return self._model

    def _validate(self, value: Any, info: ValidationInfo) -> Any:
        if issubclass(self.model, Frozen):
            return self.model.validated(value)
        return self.model.model_validate(value, context=info.context)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        from pydantic_core import core_schema

        dumped = core_schema.wrap_serializer_function_ser_schema(_dumped, info_arg=True)
        return core_schema.with_info_plain_validator_function(self._validate, serialization=dumped)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The model's definition in `$defs` and a `$ref` to it, as a model field has: pydantic's
        # generator does that (its handler alone would write the definition in place).
        model = self.model
        core = model.core_schema() if issubclass(model, Frozen) else model.__pydantic_core_schema__
        generator = getattr(handler, "generate_json_schema", None)
        return generator.generate_inner(core) if generator is not None else handler(core)


def _dumped(value: Any, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
    """A record dumped by its own adapter with the options its holder's dump was given
    (inferred, a dataclass keeps its None fields under `exclude_none`); a model as is."""
    if isinstance(value, Frozen):
        options = {"exclude_none": info.exclude_none, "exclude_defaults": info.exclude_defaults}
        return value.dumped(mode=info.mode, **options)
    return handler(value)


def later(module: str, name: str) -> Any:
    """`module.name` for an annotation, imported and built at its first use."""
    return Annotated[Any, Later(module, name)]
