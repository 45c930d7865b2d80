"""The journal's event envelope: when, who, what and where, versioned; its data typed
by kind (console/model/payloads)."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from console.model.event_kinds import UNSYNCED_KINDS, Kind
from console.model.payloads import KINDS, Payload, payload_model
from console.model.payloads.record import Field, Record, dumped, shared_given

# 1: data as each writer made it, checked by no model. 2: every kind's data is its
# payload model's (console/model/payloads), refused with a key the model does not know.
SCHEMA_VERSION = 2
READABLE_VERSIONS = range(1, SCHEMA_VERSION + 1)

P = TypeVar("P", bound=Payload)
DATA_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": "the kind's data: its payload model's (the branch of its kind in allOf;"
    " docs/journal.md describes each)",
}


class Actor(Record):
    """Who: the OS user, the SSH client address when on a jump host, and the incident's
    commander when the event was written (the one an event names, for the declaration)."""

    user: str
    client: str | None = None
    # Written only when set: most journals never name one, and every event carries this.
    commander: str | None = Field(default=None, exclude_if=lambda v: v is None)

    @property
    def login(self) -> str:
        """`user@client`, or the user alone: the default commander's name."""
        return f"{self.user}@{self.client}" if self.client else self.user


class Where(Record):
    system: str | None = None
    host: str | None = None
    step: str | None = None


class Event(Record):
    """One fact about the incident, as one JSON line."""

    v: int = SCHEMA_VERSION
    seq: int = Field(ge=0)
    ts: datetime
    mono: float
    who: Actor
    kind: str
    where: Where = Where()
    # Written as the kind's model says, and only the keys given (console/journal/lines.py).
    data: Payload = Field(default_factory=dict, validate_default=True)

    @classmethod
    def reader_annotations(cls) -> dict[str, Any]:
        from typing import Annotated

        from pydantic import SerializeAsAny, WithJsonSchema

        reader = Payload.reader()
        return {"data": Annotated[SerializeAsAny[reader], WithJsonSchema(DATA_SCHEMA)]}  # type: ignore[valid-type,misc]

    @classmethod
    def reader_checks(cls) -> dict[str, Any]:
        from pydantic import field_validator

        return {
            "_readable": field_validator("v")(_readable),
            "_typed": field_validator("data", mode="before")(_typed),
        }

    @classmethod
    def validated(cls, data: Any) -> "Event":
        """`data` checked by the reader (a journal's line read back: the read path, its
        validator called directly); raises pydantic's ValidationError."""
        return cls.adopted(_checker("")(data))

    @classmethod
    def adopted(cls, model: Any) -> "Event":
        """The event of its reader's result, its data the record of the reader's payload
        (who and where are records already: the reader takes them as records)."""
        values = model.__dict__
        data = values["data"]
        values["data"] = data.__record__.made(
            data.__dict__,
            shared_given(data.__pydantic_fields_set__),
            data.__pydantic_extra__ or None,
        )
        given = model.__pydantic_fields_set__  # nearly always every field
        return cls.made(
            values, _EVERY_FIELD if len(given) == len(_EVERY_FIELD) else shared_given(given)
        )

    @classmethod
    def built(
        cls, seq: int, ts: datetime, mono: float, who: Actor, where: Where, data: Payload
    ) -> "Event":
        """The event of these parts, each checked already (the payload made by its kind's
        record, who and where by theirs), every field given: the write path is hot (two
        events per host and step). Its line is the one a validated event writes
        (tests/test_journal_lines.py)."""
        values = {
            "v": SCHEMA_VERSION,
            "seq": seq,
            "ts": ts,
            "mono": mono,
            "who": who,
            "kind": data.KIND,
            "where": where,
            "data": data,
        }
        return cls.made(values, _EVERY_FIELD)

    def as_json(self) -> dict[str, Any]:
        """The event as the JSON of its journal line, for an export."""
        return dumped(self)

    def payload(self, model: type[P]) -> P:
        """The data as `model`, the model of this event's kind (or a base of it)."""
        if not isinstance(self.data, model):
            raise TypeError(f"{self.kind} event #{self.seq} holds no {model.__name__}")
        return self.data

    @property
    def is_action(self) -> bool:
        return self.kind not in UNSYNCED_KINDS


def _readable(cls: Any, v: int) -> int:
    if v not in READABLE_VERSIONS:
        newer = "a newer rollback-console" if v > SCHEMA_VERSION else "no rollback-console"
        raise ValueError(
            f"journal version {v} was written by {newer}; this one reads versions"
            f" 1 to {SCHEMA_VERSION}"
        )
    return v


def _typed(cls: Any, data: Any, info: Any) -> Any:
    """The kind's payload model checks the data; in a version-2 event, also that it
    holds no key the model does not know."""
    kind = info.data.get("kind")
    if type(data) is not dict:  # a record given (a test's, an export's), or no object
        if isinstance(data, Payload):
            return type(data).reader().model_validate(dumped(data))
        if kind is None or isinstance(data, Payload.reader()):
            return data
    elif kind is None:
        return data
    payload = _checker(kind)(data)
    extra = payload.__pydantic_extra__
    if info.data.get("v", SCHEMA_VERSION) >= 2 and kind in KINDS and extra:
        raise ValueError(f"{kind} has no key {', '.join(sorted(extra))}")
    return payload


# Each reader's validator ("": the event's, else a kind's payload's), called directly.
_CHECKERS: dict[str, Callable[[Any], Any]] = {}


def _checker(kind: str) -> Callable[[Any], Any]:
    found = _CHECKERS.get(kind)
    if found is None:
        reader = (payload_model(kind) if kind else Event).reader()
        found = _CHECKERS[kind] = reader.__pydantic_validator__.validate_python
    return found


# Shared by every event `built` or read with every field; never added to (events are frozen).
_EVERY_FIELD = shared_given(frozenset(Event.FIELDS))

__all__ = [
    "READABLE_VERSIONS",
    "SCHEMA_VERSION",
    "UNSYNCED_KINDS",
    "Actor",
    "Event",
    "Kind",
    "Where",
]
