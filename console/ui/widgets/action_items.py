"""The review's action items as rows of inputs: action, type, owner, priority, due, ticket."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select

from console.model.review import DEFAULT_TYPE, ActionType
from console.ui.widgets.typeahead import ShownInput

TYPES = [(t.value, t.value) for t in ActionType]
COLUMNS = ("action", "owner", "priority", "due", "ticket")
PLACEHOLDERS = {
    "action": "Action",
    "owner": "Owner",
    "priority": "Prio",  # a value (P1) would read as one typed
    "due": "YYYY-MM-DD",
    "ticket": "Ticket",
}


class ActionItemRow(Horizontal):
    """One action item: what, its type (prevent, mitigate, detect, process), who, when."""

    # Each column but the action wide enough for what is typed in it whole, its cursor
    # after it: at 80 columns, a 1fr ticket field was 8 cells, and `OPS-1234` typed into
    # it read `PS-1234`. The action, a sentence, takes the rest.
    DEFAULT_CSS = """
    ActionItemRow { height: 1; }
    ActionItemRow Input { width: 1fr; margin-right: 1; }
    ActionItemRow .item-type { width: 12; margin-right: 1; }
    ActionItemRow .item-owner { width: 10; }
    ActionItemRow .item-priority { width: 5; }
    ActionItemRow .item-due { width: 11; }
    ActionItemRow .item-ticket { width: 12; margin-right: 0; }
    """

    def __init__(self, values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.values = values or {}

    def compose(self) -> ComposeResult:
        yield self._input("action")
        yield Select(
            TYPES,
            value=self.values.get("type") or DEFAULT_TYPE.value,
            allow_blank=False,
            compact=True,
            classes="item-type",
        )
        for column in COLUMNS[1:]:
            yield self._input(column)

    def _input(self, column: str) -> Input:
        return ShownInput(
            self.values.get(column, ""),
            placeholder=PLACEHOLDERS[column],
            compact=True,
            classes=f"item-{column}",
        )

    def row(self) -> dict[str, str]:
        """The row as typed; an empty action means no item."""
        typed = {c: self.query_one(f".item-{c}", Input).value.strip() for c in COLUMNS}
        return {**typed, "type": str(self.query_one(".item-type", Select).value)}


class ActionItems(Vertical):
    """Every action item; Ctrl+N adds a row, Ctrl+D removes the one with the focus."""

    DEFAULT_CSS = """
    ActionItems { height: auto; }
    ActionItems #items-head { color: $text-muted; height: 1; }
    """

    def __init__(self, rows: list[dict[str, str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self._initial = rows

    def compose(self) -> ComposeResult:
        yield Label("Action · type · owner · priority · due · ticket", id="items-head")
        for values in self._initial or [{}]:
            yield ActionItemRow(values)

    def rows(self) -> list[dict[str, str]]:
        return [r.row() for r in self.query(ActionItemRow)]

    def remove_row(self, row: ActionItemRow) -> None:
        """Remove `row`; the last one is emptied instead, so there is always a row."""
        if len(self.query(ActionItemRow)) > 1:
            row.remove()
            return
        for field in row.query(Input):
            field.value = ""

    def reset(self, rows: list[dict[str, str]]) -> None:
        """Show `rows` (the journal's), replacing what is on screen."""
        self.query(ActionItemRow).remove()
        for values in rows or [{}]:
            self.mount(ActionItemRow(values))
