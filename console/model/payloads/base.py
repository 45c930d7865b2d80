"""What every event kind's data is built on: a frozen record per kind
(console/model/payloads/record.py), validated by pydantic only when read back."""

from typing import Any, ClassVar

from console.model.payloads.record import Field, Record, dumped

# A JSON object whose keys the writer chose (a host's values, a strategy's parameters).
JsonObject = dict[str, Any]
# A JSON number as written: an int stays an int (`5`, never `5.0`), so an export of an old
# journal keeps its bytes.
Number = int | float


class Payload(Record):
    """One event kind's data (`KIND`), documented field by field in docs/journal.md.

    Keys this console does not know are kept (`unknown_keys`), so a version-1 journal, whose
    data no model checked, still reads and exports whole; a version-2 event with one is
    refused (console/model/events.py). Only the keys the writer gave are written back: a
    field left out stays out of the line. Read it by its fields (`event.payload(Model)`);
    `dump()` is the data as the line holds it."""

    # Its reader's: built on first use (a run records a handful of the ~55 kinds).
    CONFIG: ClassVar[dict[str, Any]] = {
        "extra": "allow",
        "frozen": True,
        "allow_inf_nan": False,
        "defer_build": True,
    }

    KIND: ClassVar[str] = ""
    # None means "not said" for every field of this kind: never written as null.
    OMIT_NONE: ClassVar[bool] = False

    def dump(self) -> dict[str, Any]:
        """The data as the journal line holds it: the keys given, in the model's order."""
        return dumped(self, self.OMIT_NONE)

    @property
    def unknown_keys(self) -> list[str]:
        return sorted(self._extra or {})


class UnknownPayload(Payload):
    """The data of a kind this console does not know (a newer one wrote it): kept, so it
    exports whole, and ignored by the fold."""


AMENDMENT = (
    "written after `incident.closed`: the record was amended (who and when are the"
    " envelope's); the outcome stays"
)


class Amendable(Payload):
    """A kind that may be written after the close, amending the record."""

    amendment: bool | None = Field(None, description=AMENDMENT)
