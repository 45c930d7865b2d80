"""A post-rollback review's action item as pydantic checks it: imported where a form or
a document has action items, never on exec's way (issue 18: review.py's other checks
need no pydantic)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict, ValidationError, field_validator

from console.model.base import Field, Strict
from console.model.review import (
    DEFAULT_TYPE,
    ITEM_COLUMNS,
    ITEM_SYNTAX,
    ActionType,
    FieldError,
    check_date,
)


class ActionItem(Strict):
    """One follow-up of the review; only the action is required (its type is `prevent`
    unless given, as each row of the console's form starts)."""

    # Built when first validated (a form's or an export's rows, ~3.5 M instructions).
    model_config = ConfigDict(defer_build=True)

    action: str = Field(min_length=1)
    type: ActionType = DEFAULT_TYPE
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


def parse_action_item(text: str) -> ActionItem:
    """One action item written as `ACTION | TYPE | OWNER | PRIORITY | DUE | TICKET` (the
    columns after ACTION may be left out, or left empty: its type is then DEFAULT_TYPE,
    as the console's form takes a row with its action alone). Seen: `run --form
    action_items="Add test"` was refused (exit 2) where the form took the same row."""
    cells = [c.strip() for c in text.split("|")]
    if len(cells) > len(ITEM_COLUMNS):
        raise FieldError(f"“{text.strip()}”: write an action item as {ITEM_SYNTAX}")
    given = dict(zip(ITEM_COLUMNS, cells, strict=False))
    if not given.get("type"):
        given.pop("type", None)
    return action_item(given)


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


def action_items(value: Any) -> list[dict[str, str]]:
    """The action items of a form's value (a row, a list of rows: each a mapping or an
    `ACTION | TYPE | ...` line, blank lines skipped) as they are journalled."""
    rows = value if isinstance(value, list) else [value]
    items = [
        parse_action_item(row) if isinstance(row, str) else action_item(row)
        for row in rows
        if not (isinstance(row, str) and not row.strip())
    ]
    return [item.model_dump(mode="json") for item in items]
