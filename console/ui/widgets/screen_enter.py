"""Lists whose Enter belongs to their screen: the list's own select action stands aside,
so Enter reaches the screen's binding in the order it was typed. A priority binding
would act at once, before keys typed ahead of it (an F-key still on its way)."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList


class StepList(OptionList):
    """An option list whose Enter is the screen's action, not `select`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return False if action == "select" else super().check_action(action, parameters)


class RowTable(DataTable):
    """A row table whose Enter is the screen's action, not `select_cursor`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return False if action == "select_cursor" else super().check_action(action, parameters)
