"""The journal's event envelope: when, who, what and where, versioned; its data typed
by kind (console/model/payloads)."""

from datetime import datetime
from typing import Annotated, Any, Self, TypeVar

from pydantic import SerializeAsAny, ValidationInfo, WithJsonSchema, field_validator

from console.model.base import Field, Strict
from console.model.event_kinds import UNSYNCED_KINDS, Kind
from console.model.payloads import KINDS, Payload, payload_model

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


class Actor(Strict):
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


class Where(Strict):
    system: str | None = None
    host: str | None = None
    step: str | None = None


class Event(Strict):
    """One fact about the incident, as one JSON line."""

    v: int = SCHEMA_VERSION
    seq: int = Field(ge=0)
    ts: datetime
    mono: float
    who: Actor
    kind: str
    where: Where = Where()
    # Written as the kind's model says, and only the keys given: see `line`.
    data: Annotated[SerializeAsAny[Payload], WithJsonSchema(DATA_SCHEMA)] = Field(
        default_factory=dict, validate_default=True
    )

    @field_validator("v")
    @classmethod
    def _readable(cls, v: int) -> int:
        if v not in READABLE_VERSIONS:
            newer = "a newer rollback-console" if v > SCHEMA_VERSION else "no rollback-console"
            raise ValueError(
                f"journal version {v} was written by {newer}; this one reads versions"
                f" 1 to {SCHEMA_VERSION}"
            )
        return v

    @field_validator("data", mode="before")
    @classmethod
    def _typed(cls, data: Any, info: ValidationInfo) -> Any:
        """The kind's payload model checks the data; in a version-2 event, also that it
        holds no key the model does not know."""
        if isinstance(data, Payload) or "kind" not in info.data:
            return data
        kind = info.data["kind"]
        payload = payload_model(kind).model_validate(data)
        if info.data.get("v", SCHEMA_VERSION) >= 2 and kind in KINDS and payload.unknown_keys:
            raise ValueError(f"{kind} has no key {', '.join(payload.unknown_keys)}")
        return payload

    @classmethod
    def built(
        cls, seq: int, ts: datetime, mono: float, who: Actor, where: Where, data: Payload
    ) -> Self:
        """The event of these parts, each checked already (the payload by its kind's
        model, who and where by theirs), every field given: `model_construct`'s result
        without its walk over the fields (the write path is hot: two events per host and
        step). Its line is the one a validated event writes (tests/test_journal.py)."""
        event = cls.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(
            event,
            "__dict__",
            {
                "v": SCHEMA_VERSION,
                "seq": seq,
                "ts": ts,
                "mono": mono,
                "who": who,
                "kind": data.KIND,
                "where": where,
                "data": data,
            },
        )
        setattr_(event, "__pydantic_fields_set__", _EVERY_FIELD)
        setattr_(event, "__pydantic_extra__", None)
        setattr_(event, "__pydantic_private__", None)
        return event

    def line(self) -> str:
        """The event as its journal line: every field given, and no other (a payload's
        fields left out stay out, in pydantic's own serializer: the write path is hot)."""
        return self.model_dump_json(by_alias=True, exclude_unset=True)

    def line_bytes(self) -> bytes:
        """`line()` as the journal's bytes, newline ended: the same serializer with the
        same arguments, called directly (model_dump_json's own call, its str decoded and
        encoded again, was ~8,500 of the ~44,600 instructions a line, issue 18)."""
        return _TO_JSON(self, by_alias=True, exclude_unset=True) + b"\n"

    def as_json(self) -> dict[str, Any]:
        """The event as the JSON of its journal line, for an export."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def payload(self, model: type[P]) -> P:
        """The data as `model`, the model of this event's kind (or a base of it)."""
        if not isinstance(self.data, model):
            raise TypeError(f"{self.kind} event #{self.seq} holds no {model.__name__}")
        return self.data

    @property
    def is_action(self) -> bool:
        return self.kind not in UNSYNCED_KINDS


# Shared by every event `built`; never added to (events are frozen).
_EVERY_FIELD = set(Event.model_fields)
_TO_JSON = Event.__pydantic_serializer__.to_json

__all__ = [
    "READABLE_VERSIONS",
    "SCHEMA_VERSION",
    "UNSYNCED_KINDS",
    "Actor",
    "Event",
    "Kind",
    "Where",
]
