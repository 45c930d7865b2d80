"""The incident's screens, one row each: the app installs them, binds their F-keys, the
incident bar shows their tabs, and the follow view lets through the actions that only look.

A screen's module is imported when the incident is attached, not with the app: the export
screen alone loads the exporters (a quarter of a second at start-up).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from console.ui.screens.base import IncidentScreen


@dataclass(frozen=True)
class ScreenRow:
    """One incident screen: `name` is its installed name and its class's `TAB`."""

    name: str
    screen: str  # "module:Class" under console.ui.screens
    key: str  # the function key that shows it
    label: str  # its tab in the incident bar, and its binding's description
    looks: frozenset[str] = frozenset()  # its actions that change nothing: allowed in follow

    @property
    def binding_id(self) -> str:
        return f"go.{self.name}"

    def binding(self) -> Binding:
        """The app's binding that shows this screen."""
        return Binding(self.key, f"go('{self.name}')", self.label, id=self.binding_id, show=False)

    def screen_class(self) -> type[IncidentScreen]:
        module, _, cls = self.screen.partition(":")
        found: type[IncidentScreen] = getattr(
            importlib.import_module(f"console.ui.screens.{module}"), cls
        )
        return found

    def binding_ids(self) -> set[str]:
        """Every binding id the screen answers to: its F-key's and its own."""
        own = {b.id for b in self.screen_class().BINDINGS if isinstance(b, Binding) and b.id}
        return own | {self.binding_id}


SCREENS = (
    ScreenRow(
        "checklist",
        "checklist:ChecklistScreen",
        "f2",
        "Checklist",
        frozenset({"current", "preview"}),
    ),
    ScreenRow(
        "execution",
        "execution:ExecutionScreen",
        "f3",
        "Execution",
        frozenset({"assessment"}),  # the system state and data integrity, read only
    ),
    ScreenRow(
        "timeline",
        "timeline:TimelineScreen",
        "f4",
        "Timeline",
        frozenset({"filter", "leave_filter", "follow"}),
    ),
    ScreenRow("form", "form:FormScreen", "f5", "Post-rollback"),
    ScreenRow("export", "export:ExportScreen", "f6", "Export", frozenset({"preview"})),
)


def screen_classes() -> Iterator[tuple[str, type[IncidentScreen]]]:
    """(name, class) of every incident screen, in tab order (their modules imported)."""
    for row in SCREENS:
        yield row.name, row.screen_class()


def looking_actions() -> frozenset[str]:
    """What the screens offer that changes nothing."""
    return frozenset().union(*(row.looks for row in SCREENS))


def import_incident_screens() -> None:
    """The modules of the incident's screens, which `attach` and resuming need."""
    import console.ui.screens.picker
    import console.ui.screens.trigger  # noqa: F401

    for row in SCREENS:
        row.screen_class()
