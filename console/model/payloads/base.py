"""What every event kind's data is built on: a frozen pydantic model per kind."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

# A JSON object whose keys the writer chose (a host's values, a strategy's parameters).
JsonObject = dict[str, Any]
# A JSON number as written: an int stays an int (`5`, never `5.0`), so an export of an old
# journal keeps its bytes.
Number = int | float


class Payload(BaseModel):
    """One event kind's data (`KIND`), documented field by field in docs/journal.md.

    Keys this console does not know are kept (`unknown_keys`), so a version-1 journal, whose
    data no model checked, still reads and exports whole; a version-2 event with one is
    refused (console/model/events.py). Only the keys the writer gave are written back: a
    field left out stays out of the line.

    Until every reader uses the fields, a payload also reads like the dict it replaced
    (`get`, `[key]`, `in`, `**`): the value of a key the writer gave, typed."""

    # Built on first use: a run records a handful of the ~55 kinds (issue 18, start-up).
    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False, defer_build=True)

    KIND: ClassVar[str] = ""
    # None means "not said" for every field of this kind: never written as null.
    OMIT_NONE: ClassVar[bool] = False
    # The journal key of each field whose attribute is named otherwise (`keys`).
    _BY_KEY: ClassVar[dict[str, str]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._BY_KEY = {(f.alias or name): name for name, f in cls.model_fields.items()}

    def dump(self) -> dict[str, Any]:
        """The data as the journal line holds it: the keys given, in the model's order."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude_none=self.OMIT_NONE
        )

    @property
    def unknown_keys(self) -> list[str]:
        return sorted(self.__pydantic_extra__ or {})

    def get(self, key: str, default: Any = None) -> Any:
        name = self._BY_KEY.get(key)
        if name is not None:
            if name in self.__pydantic_fields_set__:
                value = getattr(self, name)
                if value is not None or not self.OMIT_NONE:
                    return value
            return default
        extra = self.__pydantic_extra__
        return extra.get(key, default) if extra else default

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def keys(self) -> list[str]:
        return list(self.dump())


_MISSING: Any = object()


class UnknownPayload(Payload):
    """The data of a kind this console does not know (a newer one wrote it): kept, so it
    exports whole, and ignored by the fold."""
