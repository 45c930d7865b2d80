"""While a long journal loads: how far the reading is, and that nothing is lost meanwhile."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from console.model.visible import visible


class LoadingScreen(ModalScreen[None]):
    """A progress bar over the journal's bytes; dismissed by whoever finishes the load."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="loading"):
            yield Label("Reopening the incident", classes="dialog-title")
            yield Static(visible(self.path), classes="dialog-text", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="loading-progress")
            yield Static(
                "Reading and folding its journal; nothing is sent to any host meanwhile.",
                classes="dialog-hint",
            )

    def advance(self, done: int, total: int) -> None:
        for bar in self.query("#loading-progress").results(ProgressBar):  # once composed
            bar.update(total=max(total, 1), progress=done)
