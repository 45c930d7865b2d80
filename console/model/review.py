"""The post-rollback review: the fields a form step fills in, what each one accepts, and the
action items a review ends with. One place for the console's form, `run --form` and the
document, so a field typed anywhere is checked the same way. Without pydantic: exec
imports it for the form's fields; an action item is action_item.py's model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

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
# An action item's type when none is given: the console's form starts each row on it, and
# `--form action_items="Add a test"` (or a table without `type`) takes it alike.
DEFAULT_TYPE = ActionType.PREVENT


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


def check_field(field: FormField, value: Any) -> str | list[dict[str, str]]:
    """A value for `field` as it is journalled: one line of text for most fields, a
    normalised date-time for the `when` fields, the list of rows for action items (each a
    mapping or an `ACTION | TYPE | ...` line)."""
    if field is FormField.ACTION_ITEMS:
        from console.model.action_item import action_items  # pydantic's: not exec's way

        return action_items(value)
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
