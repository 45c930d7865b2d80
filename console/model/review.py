"""The post-rollback review: the fields a form step fills in, what each one accepts, and the
action items a review ends with. One place for the console's form, `run --form` and the
document, so a field typed anywhere is checked the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, ValidationError, field_validator

from console.model.base import Field, Strict
from console.model.form_fields import FormField

if TYPE_CHECKING:
    from console.model.state import IncidentState

FieldValue = str | list[dict[str, str]] | list[str]


class ActionType(StrEnum):
    """What an action item does, as the SRE postmortem template sorts them."""

    PREVENT = "prevent"
    MITIGATE = "mitigate"
    DETECT = "detect"
    PROCESS = "process"


ITEM_COLUMNS = ("action", "type", "owner", "priority", "due", "ticket")
ITEM_SYNTAX = "ACTION | TYPE | OWNER | PRIORITY | DUE | TICKET"


class ActionItem(Strict):
    """One follow-up of the review; only the action and its type are required."""

    # Built when first validated (a form's or an export's rows): exec imports this module
    # for the form's fields and never meets an action item (~3.5 M instructions, issue 18).
    model_config = ConfigDict(defer_build=True)

    action: str = Field(min_length=1)
    type: ActionType
    owner: str = ""
    priority: str = ""
    due: str = ""  # YYYY-MM-DD
    ticket: str = ""

    @field_validator("action", "owner", "priority", "ticket", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        return " ".join(value.split()) if isinstance(value, str) else value

    @field_validator("due", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and value.strip():
            return check_date(value)
        return ""


class FieldError(ValueError):
    """A form value that cannot be taken as it is; the message says what to write."""


def check_date(text: str) -> str:
    """`YYYY-MM-DD`, checked."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise FieldError(f"“{text.strip()}” is not a date: write YYYY-MM-DD") from None


def check_when(text: str) -> str:
    """A date (`2026-12-02`) or a UTC date-time (`2026-12-02 10:00`, ISO 8601 with `T`, `Z`
    or an offset, which is turned into UTC), normalised to `YYYY-MM-DD[ HH:MM[:SS]]`."""
    raw = text.strip()
    if not raw:
        return ""
    if len(raw) == 10:
        return check_date(raw)
    try:
        when = datetime.fromisoformat(raw.replace(" UTC", "").replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(
            f"“{raw}” is not a date-time: write YYYY-MM-DD HH:MM (UTC), e.g. 2026-12-02 10:00"
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%d %H:%M:%S" if when.second else "%Y-%m-%d %H:%M")


def parse_action_item(text: str) -> ActionItem:
    """One action item written as `ACTION | TYPE | OWNER | PRIORITY | DUE | TICKET` (the
    columns after TYPE may be left out)."""
    cells = [c.strip() for c in text.split("|")]
    if len(cells) < 2 or len(cells) > len(ITEM_COLUMNS):
        raise FieldError(f"“{text.strip()}”: write an action item as {ITEM_SYNTAX}")
    return action_item(dict(zip(ITEM_COLUMNS, cells, strict=False)))


def action_item(values: dict[str, Any]) -> ActionItem:
    """An action item from a mapping (a TOML table, a form row), or a readable FieldError."""
    try:
        return ActionItem.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "item"
        if error["type"] == "enum":
            kinds = ", ".join(t.value for t in ActionType)
            raise FieldError(f"{where}: “{error['input']}” is not a type ({kinds})") from None
        if error["type"] == "extra_forbidden":
            raise FieldError(f"{where}: not a column ({', '.join(ITEM_COLUMNS)})") from None
        if error["type"] == "string_too_short" and where == "action":  # pydantic's words
            raise FieldError(  # said "String should have at least 1 character"
                "action: empty: write what is to be done (the owner, due date and ticket"
                " are for it)"
            ) from None
        message = str(error.get("ctx", {}).get("error") or error["msg"])
        raise FieldError(f"{where}: {message}") from None


def check_field(field: FormField, value: Any) -> str | list[dict[str, str]]:
    """A value for `field` as it is journalled: one line of text for most fields, a
    normalised date-time for the `when` fields, the list of rows for action items (each a
    mapping or an `ACTION | TYPE | ...` line)."""
    if field is FormField.ACTION_ITEMS:
        rows = value if isinstance(value, list) else [value]
        items = [
            parse_action_item(row) if isinstance(row, str) else action_item(row)
            for row in rows
            if not (isinstance(row, str) and not row.strip())
        ]
        return [item.model_dump(mode="json") for item in items]
    if not isinstance(value, str):
        raise FieldError(f"{field.value} must be text")
    if field.when:
        return check_when(value)
    return value.strip()


def filled_in(state: IncidentState, field: FormField) -> bool:
    """Whether the incident has a value for `field`."""
    if field is FormField.ACTION_ITEMS:
        return bool(state.action_items)
    return bool(state.fields.get(field.value))
