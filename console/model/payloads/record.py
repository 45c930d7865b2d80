"""Records: the journal's events and their data as plain frozen objects, made, compared
and written without pydantic (issue 18: exec's way without pydantic's import).

A record class is declared as a pydantic model was: annotated fields, each with a default
or `Field(default, description=..., alias=...)`. That one definition serves both ways:

- made by the program (`CommandIntent(command=..., stage=...)`): a key it does not know is
  refused; each value is checked against its field's type, in Python: a float field's int
  becomes a float, an enum field's word its member, a TypedDict's keys come in its
  declared order, a tuple given a list field a list, as pydantic's lax validation made
  them, so the line written is the one pydantic wrote (tests/test_journal_lines.py). A
  value of any other type (a required field missing, a string given an int field) goes
  to the reader, pydantic itself: what it makes of the value is kept, or it refuses it
  (ValidationError) before anything is written, so no line is written that would not
  read back.
- validated (`validated(data)`: a journal read back, the export's schema, docs/journal.md):
  by a pydantic model generated from the same annotations and fields (`reader()`: the
  same name, docstring, configuration and bases), built at its first use, its result
  turned into the record (the fields given and the unknown keys kept).
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from console.model.payloads.taken import Odd
from console.model.payloads.taken import takers as _takers

if TYPE_CHECKING:
    from pydantic import BaseModel


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class Spec:
    """A field's default and the arguments pydantic's `Field` takes for it."""

    __slots__ = ("default", "rules")

    def __init__(self, default: Any, rules: dict[str, Any]) -> None:
        self.default = default
        self.rules = rules

    def made(self) -> Any:
        """The default of a record made without this field (a list or dict a copy)."""
        factory = self.rules.get("default_factory")
        if factory is not None:
            return factory()
        default = self.default
        return default.copy() if type(default) in (list, dict) else default


def Field(default: Any = REQUIRED, **rules: Any) -> Any:
    """pydantic's `Field`, named so: a field's default and its arguments (`description`, `alias`,
    `ge`, `exclude_if`, ...), given to pydantic only when a reader is generated."""
    return Spec(default, rules)


# The fields given, shared by every record given the same ones (frozen: never added to).
_GIVEN: dict[frozenset[str], frozenset[str]] = {}


def shared_given(given: frozenset[str] | set[str]) -> frozenset[str]:
    key = frozenset(given)
    return _GIVEN.get(key) or _GIVEN.setdefault(key, key)


class Record:
    """A frozen record of annotated fields (see the module); `_given` holds the names of
    the fields given (pydantic's `exclude_unset`), `_extra` the unknown keys a reading
    kept (a version-1 payload's), or None."""

    __slots__ = ("__dict__", "_extra", "_given")
    # pydantic's `model_config` of the reader generated for a class that has no record base
    CONFIG: ClassVar[dict[str, Any]] = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}
    # Each field's annotation and Spec, in pydantic's order (its bases' first).
    FIELDS: ClassVar[dict[str, tuple[Any, Spec]]] = {}
    ALIASES: ClassVar[dict[str, str]] = {}
    _DEFAULTS: ClassVar[dict[str, Any]] = {}
    _MADE_EACH: ClassVar[tuple[str, ...]] = ()
    _REQUIRED: ClassVar[frozenset[str]] = frozenset()
    _given: frozenset[str]
    _extra: dict[str, Any] | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: dict[str, tuple[Any, Spec]] = {}
        for base in reversed(cls.__mro__):
            for name, annotation in inspect.get_annotations(base).items():
                if name.startswith("_") or _is_class_var(annotation):
                    continue
                default = base.__dict__.get(name, REQUIRED)
                spec = default if isinstance(default, Spec) else Spec(default, {})
                fields[name] = (annotation, spec)
        cls.FIELDS = fields
        # A field given by its alias (as a line holds it: `keys`), as pydantic takes it.
        cls.ALIASES = {s.rules["alias"]: n for n, (_, s) in fields.items() if "alias" in s.rules}
        # Each field's default in their order (None where a list, a dict or a factory's
        # is made for each record, or where one is required), and the required ones.
        cls._DEFAULTS = {
            n: None if _made_each(s) or _required(s) else s.default for n, (_, s) in fields.items()
        }
        cls._MADE_EACH = tuple(n for n, (_, s) in fields.items() if _made_each(s))
        cls._REQUIRED = frozenset(n for n, (_, s) in fields.items() if _required(s))

    def __init__(self, **given: Any) -> None:
        fields = self.FIELDS
        if self.ALIASES:
            given = {self.ALIASES.get(k, k): v for k, v in given.items()}
        unknown = given.keys() - fields.keys()
        if unknown:
            raise ValueError(f"{self._name()} has no key {', '.join(sorted(unknown))}")
        takers = _takers(type(self), fields)
        values = self._DEFAULTS.copy()
        for name in self._MADE_EACH:
            if name not in given:
                values[name] = fields[name][1].made()
        try:
            if not given.keys() >= self._REQUIRED:
                raise Odd
            for name, value in given.items():
                values[name] = takers[name](value)
            given_names = shared_given(frozenset(given))
        except Odd:  # pydantic's reader decides, or refuses it (ValidationError)
            made = self.validated(given)
            values, given_names = made.__dict__, made._given
        setattr_ = object.__setattr__
        setattr_(self, "__dict__", values)
        setattr_(self, "_given", given_names)
        setattr_(self, "_extra", None)

    def _name(self) -> str:
        return getattr(self, "KIND", "") or type(self).__name__

    @classmethod
    def made(cls, values: dict[str, Any], given: frozenset[str], extra: Any = None) -> Self:
        """A record of these values (every field's, checked already), as given."""
        record = cls.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(record, "__dict__", values)
        setattr_(record, "_given", given)
        setattr_(record, "_extra", extra)
        return record

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self.__dict__ == other.__dict__ and (self._extra or {}) == (other._extra or {})

    def __hash__(self) -> int:
        return hash((type(self), *self.__dict__.values()))

    def __repr__(self) -> str:
        shown = [f"{k}={v!r}" for k, v in {**self.__dict__, **(self._extra or {})}.items()]
        return f"{type(self).__name__}({', '.join(shown)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_revived, (type(self), self.__dict__, self._given, self._extra))

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` (given, as pydantic's `model_copy(update=...)` has them)."""
        return self.made(
            {**self.__dict__, **changes}, shared_given(self._given | changes.keys()), self._extra
        )

    @classmethod
    def reader(cls) -> type[BaseModel]:
        """The pydantic model that validates this record's data (generated once)."""
        model: type[BaseModel] | None = cls.__dict__.get("_reader")
        if model is None:
            model = _generated(cls)
            type.__setattr__(cls, "_reader", model)
        return model

    def as_reader(self) -> BaseModel:
        """This record as its reader's instance, the same fields given: what pydantic
        writes of it (its line, a JSON schema's default)."""
        values = {**self.__dict__, **(self._extra or {})}
        return self.reader().model_construct(set(self._given), **values)

    @classmethod
    def validated(cls, data: Any) -> Self:
        """`data` checked by this record's reader; raises pydantic's ValidationError."""
        return cls.adopted(cls.reader().model_validate(data))

    @classmethod
    def adopted(cls, model: Any) -> Self:
        """The record of a reader's result (discarded): its values, the fields it was
        given, its unknown keys."""
        given = shared_given(model.__pydantic_fields_set__)
        return cls.made(model.__dict__, given, model.__pydantic_extra__ or None)

    @classmethod
    def reader_annotations(cls) -> dict[str, Any]:
        """A field's annotation for the reader where it is not the record's own."""
        return {}

    @classmethod
    def reader_checks(cls) -> dict[str, Any]:
        """The reader's validators (pydantic's decorators, imported here only)."""
        return {}

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """A record inside a pydantic model (an event's who and where in its reader, the
        export's events): its reader's schema; a record given passes as it is, and is
        written as its line holds it."""
        from pydantic_core import core_schema

        def validate(value: Any, inner: Callable[[Any], Any]) -> Any:
            return value if isinstance(value, cls) else cls.adopted(inner(value))

        schema = handler.generate_schema(cls.reader())
        return core_schema.no_info_wrap_validator_function(
            validate,
            schema,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda record: record.as_reader(), return_schema=schema
            ),
        )


def dumped(record: Record, omit_none: bool = False) -> dict[str, Any]:
    """`record` as the JSON its line holds (pydantic's `model_dump(mode="json",
    by_alias=True, exclude_unset=True)`; `omit_none`: its None fields left out too)."""
    out = {}
    given, values = record._given, record.__dict__
    for name, (_, spec) in record.FIELDS.items():
        if name in given:
            value = values[name]
            left_out = spec.rules.get("exclude_if")
            if (omit_none and value is None) or (left_out is not None and left_out(value)):
                continue
            out[spec.rules.get("alias", name)] = _json(value)
    for key, value in (record._extra or {}).items():
        out[key] = _json(value)
    return out


def _json(value: Any) -> Any:
    if isinstance(value, Record):
        return dumped(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):  # a datetime, as pydantic writes one: UTC as `Z`
        shown = value.isoformat()
        return f"{shown[:-6]}Z" if shown.endswith("+00:00") else shown
    return value


def _revived(cls: type[Record], values: dict[str, Any], given: Any, extra: Any) -> Record:
    return cls.made(values, given, extra)


def _required(spec: Spec) -> bool:
    return spec.default is REQUIRED and "default_factory" not in spec.rules


def _made_each(spec: Spec) -> bool:
    return "default_factory" in spec.rules or type(spec.default) in (list, dict)


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or typing.get_origin(annotation) is ClassVar


def _generated(cls: type[Record]) -> type[BaseModel]:
    """The pydantic model of `cls`, declared as a model of it would be: its own
    annotated fields on its bases' readers."""
    from pydantic import BaseModel, ConfigDict
    from pydantic_core import PydanticUndefined

    from console.model.base import Field as PydanticField

    bases = tuple(b.reader() for b in cls.__bases__ if issubclass(b, Record) and b is not Record)
    namespace: dict[str, Any] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "__record__": cls,
    }
    annotations: dict[str, Any] = {"__record__": ClassVar[type]}
    if not bases:
        namespace["model_config"] = ConfigDict(**cls.CONFIG)  # type: ignore[typeddict-item]
        bases = (BaseModel,)
    special = cls.reader_annotations()
    for name, annotation in inspect.get_annotations(cls).items():
        if name.startswith("_") or _is_class_var(annotation):
            continue
        annotations[name] = special.get(name, annotation)
        spec = cls.FIELDS[name][1]
        if spec.rules or spec.default is REQUIRED:
            default = PydanticUndefined if spec.default is REQUIRED else spec.default
            namespace[name] = PydanticField(default, **spec.rules)
        else:
            namespace[name] = spec.default
    for name in ("KIND", "OMIT_NONE"):
        if name in cls.__dict__:
            annotations[name] = ClassVar[Any]
            namespace[name] = cls.__dict__[name]
    namespace["__annotations__"] = annotations
    namespace.update(cls.reader_checks())
    return types.new_class(cls.__name__, bases, {}, lambda ns: ns.update(namespace))
