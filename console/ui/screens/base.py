"""What every incident screen shares: the incident bar, and syncing from the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters
from textual.screen import Screen
from textual.visual import VisualType
from textual.widgets import Static

from console.engine.conductor import Conductor
from console.ui.messages import JournalChanged
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.mode_banner import ModeBanner

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

_NOTHING = object()


class IncidentScreen(Screen):
    """A screen of the open incident; `sync()` redraws it from the journal's state."""

    TAB = ""
    # `self.app` typed as this console's app (textual's getters.app), for the type checker
    # only: at run time the app module, which imports the screens, is not loaded yet.
    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._static_content: dict[Static, VisualType] = {}

    @property
    def conductor(self) -> Conductor:
        conductor = self.app.conductor
        assert conductor is not None
        return conductor

    def on_mount(self) -> None:
        bars = self.query(IncidentBar)
        if bars:
            self.mount(ModeBanner(), after=bars.first())
        else:
            self.mount(ModeBanner(), before=0)

    def on_screen_resume(self) -> None:
        self.sync()
        self._sync_banner()

    def on_journal_changed(self, message: JournalChanged) -> None:
        self.sync()
        self._sync_banner()

    def _sync_banner(self) -> None:
        for banner in self.query(ModeBanner):
            banner.sync()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.app.allows(action)

    def sync(self) -> None:
        """Bring the screen up to date with the journal (called at most once a frame)."""

    def show(self, static: Static, content: VisualType) -> None:
        """Update `static` only if `content` differs from what it shows: every update
        is a layout pass of the whole screen, and a flood of events calls sync() often."""
        if self._static_content.get(static, _NOTHING) != content:
            self._static_content[static] = content
            static.update(content)
