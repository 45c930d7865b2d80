"""`StepHost`: what doing steps (confirm, run, report, undo) asks of the console app,
beyond what every part may use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from textual.screen import Screen

from console.engine.session import Engine
from console.ui.console_app import AppPart

if TYPE_CHECKING:
    from textual.timer import Timer

    from console.ui.drills import DrillControl
    from console.ui.live import LiveWatch
    from console.ui.state_toasts import StateToasts


class StepHost(AppPart, Protocol):
    """What doing steps asks of the console app, beyond what every part may use."""

    engine: Engine
    exec_step: str | None
    live: LiveWatch
    drills: DrillControl
    state_toasts: StateToasts

    @property
    def screen(self) -> Screen[Any]: ...

    def get_screen(self, name: str) -> Screen[Any]: ...
    def action_go(self, name: str) -> None: ...
    def key_label(self, binding_id: str) -> str: ...
    def flush_events(self) -> None: ...
    def set_timer(self, delay: float, callback: Callable[[], None]) -> Timer: ...
