"""What every incident screen shares: the incident bar, and syncing from the journal."""

from __future__ import annotations

from textual.screen import Screen

from console.engine.conductor import Conductor
from console.ui.messages import JournalChanged


class IncidentScreen(Screen):
    """A screen of the open incident; `sync()` redraws it from the journal's state."""

    TAB = ""

    @property
    def conductor(self) -> Conductor:
        conductor = self.app.conductor  # type: ignore[attr-defined]
        assert conductor is not None
        return conductor

    def on_screen_resume(self) -> None:
        self.sync()

    def on_journal_changed(self, message: JournalChanged) -> None:
        self.sync()

    def sync(self) -> None:
        """Bring the screen up to date with the journal (called at most once a frame)."""
