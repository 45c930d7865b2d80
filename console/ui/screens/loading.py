"""While a long journal loads: how far the reading is, and that nothing is lost meanwhile."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from console.model.visible import visible


class LoadingScreen(ModalScreen[None]):
    """A progress bar over the journal's bytes; dismissed by whoever finishes the load."""

    def __init__(
        self,
        path: str,
        title: str = "Reopening the incident",
        doing: str = "Reading and folding its journal",
    ):
        super().__init__()
        self.path, self.title_text, self.doing = path, title, doing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="loading"):
            yield Label(visible(self.title_text), classes="dialog-title", markup=False)
            yield Static(visible(self.path), classes="dialog-text", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="loading-progress")
            yield Static(
                f"{self.doing}; nothing is sent to any host meanwhile.",
                classes="dialog-hint",
            )

    def advance(self, done: int, total: int) -> None:
        for bar in self.query("#loading-progress").results(ProgressBar):  # once composed
            bar.update(total=max(total, 1), progress=done)
