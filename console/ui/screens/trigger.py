"""Trigger declaration: automatic triggers with their evidence, manual ones with a reason."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, RadioButton, RadioSet, Static

from console.engine.conductor import ProcedureError
from console.model.triggers import AUTOMATIC, MANUAL, TriggerKind


class TriggerScreen(Screen):
    """Say why the rollback happens: one manual trigger and a reason (required)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="trigger.back"),
        Binding("ctrl+s", "declare", "Declare", id="trigger.declare"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(" Declare the rollback trigger   step 1 of 2", classes="screen-title")
        with Vertical(id="trigger-body"):
            yield Label("Automatic triggers (watched by probes)", classes="section-title")
            with Grid(id="auto-triggers"):
                for kind in sorted(AUTOMATIC, key=list(TriggerKind).index):
                    yield Static(f"○ quiet  {kind.label}", classes="muted")
            yield Static("No automatic trigger is firing: declare a manual one.", id="auto-summary")
            yield Label("Manual trigger: choose one (↑ ↓, Space)", classes="section-title")
            with RadioSet(id="manual-triggers"):
                for kind in MANUAL:
                    yield RadioButton(kind.label, name=kind.value)
            yield Label("Reason (required: it opens the record)", classes="section-title")
            yield Input(placeholder="What did you see? Who decided?", id="reason")
            yield Label("", id="trigger-error", classes="error-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#manual-triggers", RadioSet).focus()

    def chosen(self) -> TriggerKind | None:
        button = self.query_one("#manual-triggers", RadioSet).pressed_button
        return TriggerKind(button.name) if button and button.name else None

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_declare()

    def action_declare(self) -> None:
        from console.ui.screens.picker import PickerScreen

        reason = self.query_one("#reason", Input).value
        error = self.query_one("#trigger-error", Label)
        kind = self.chosen()
        if kind is None:
            error.update("✘ Choose a manual trigger first (↑ ↓ then Space).")
            self.query_one("#manual-triggers", RadioSet).focus()
            return
        if not reason.strip():
            error.update("✘ Type a reason before you go on: a manual trigger needs one.")
            self.query_one("#reason", Input).focus()
            return
        try:
            self.app.declare(kind, reason)
        except ProcedureError as exc:
            error.update(f"✘ {exc}")
            return
        self.app.switch_screen(PickerScreen())

    def action_back(self) -> None:
        self.dismiss()
