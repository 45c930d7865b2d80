"""Trigger declaration: automatic triggers with their evidence, manual ones with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, RadioSet, Static

from console.engine.conductor import ProcedureError
from console.engine.probe_report import show
from console.engine.watcher import Firing, Watcher
from console.model.probes import AutoTrigger
from console.model.triggers import AUTOMATIC, MANUAL, TriggerKind
from console.model.visible import visible
from console.model.watch import probe_key
from console.ui.messages import WatchChanged
from console.ui.palette import themed
from console.ui.widgets.alert import evidence_lines
from console.ui.widgets.plain import plain
from console.ui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

AUTO = "automatic"


def _watched(watcher: Watcher, trigger: AutoTrigger) -> tuple[str, str]:
    """(state, what) of one automatic trigger from the latest readings."""
    key = probe_key(trigger.system, trigger.probe)
    reading = watcher.readings.get(key)
    if reading is None or reading.last is None:
        return "quiet", f"{key} not sampled yet"
    streak = next((s for s in reading.streaks if s.trigger.name == trigger.name), None)
    count = f"{streak.count}/{trigger.consecutive}" if streak else ""
    what = (
        f"{key} = {visible(show(reading.value, reading.probe.unit), one_line=True)} ({count} bad)"
    )
    if streak and streak.fired:
        return "firing", what
    if streak and streak.count:
        return "bad", what
    return "quiet", what


def auto_line(kind: TriggerKind, watcher: Watcher, firing: Firing | None) -> Text:
    """One automatic kind: the worst state of its triggers, symbol and word, and the probe."""
    triggers = [t for t in watcher.settings.triggers.triggers if t.kind is kind]
    if not triggers:
        return Text(f"– not set  {kind.label}", style="dim")
    states = [_watched(watcher, t) for t in triggers]
    if firing is not None and firing.trigger.kind is kind:
        states.insert(0, ("firing", visible(firing.reason.split(": ", 1)[-1], one_line=True)))
    order = ["firing", "bad", "quiet"]
    state, what = min(states, key=lambda s: order.index(s[0]))
    symbol, style = {
        "firing": ("▲", "bold $error"),
        "bad": ("✘", "$warning"),
        "quiet": ("○", "dim"),
    }[state]
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{symbol} {state:<7}", style=themed(style))
    line.append(kind.label, style="bold" if state != "quiet" else "")
    line.append(f" · {what}", style="dim")
    return line


class TriggerScreen(Screen):
    """Say why the rollback happens: a firing automatic trigger, or a manual one and a reason."""

    # A person is declaring here: an automatic trigger proposes, it never takes over.
    person_declaring = True

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "back", "Back", id="trigger.back"),
        Binding("ctrl+s", "declare", "Declare", id="trigger.declare"),
    ]

    def __init__(self, firing: Firing | None = None):
        super().__init__()
        self.firing = firing

    def compose(self) -> ComposeResult:
        yield Static(" Declare the rollback trigger   step 1 of 2", classes="screen-title")
        with VerticalScroll(id="trigger-body"):
            yield Label("Automatic triggers (watched by probes)", classes="section-title")
            with Grid(id="auto-triggers"):
                for kind in sorted(AUTOMATIC, key=list(TriggerKind).index):
                    yield Static("", id=f"auto-{kind.value}")
            yield Static("", id="auto-summary")
            yield Label("Trigger: choose one (↑ ↓, Space)", classes="section-title")
            with RadioSet(id="manual-triggers"):
                if self.firing is not None:
                    label = f"{self.firing.trigger.kind.label} (automatic, fired)"
                    yield MarkedRadioButton(label, name=AUTO, value=True)
                for kind in MANUAL:
                    yield MarkedRadioButton(kind.label, name=kind.value)
            yield Label("Reason (required for a manual trigger: it opens the record)")
            yield Input(placeholder="What did you see? Who decided?", id="reason")
            yield Label("", id="trigger-error", classes="error-line")
        yield Footer()

    def on_mount(self) -> None:
        if self.firing is not None:
            reason = self.app.live.proposed_reason(self.firing)
            self.query_one("#reason", Input).value = visible(reason, one_line=True)
        self.refresh_auto()
        self.query_one("#manual-triggers", RadioSet).focus()

    def on_watch_changed(self, message: WatchChanged) -> None:
        self.refresh_auto()

    def refresh_auto(self) -> None:
        watcher = self.app.live.watcher
        for kind in AUTOMATIC:
            self.query_one(f"#auto-{kind.value}", Static).update(
                auto_line(kind, watcher, self.firing)
            )
        summary = self.query_one("#auto-summary", Static)
        if self.firing is None:
            firing = self.app.live.alert
            summary.update(
                f"▲ {firing.trigger.kind.label} is firing: Esc, then P on the home screen takes"
                " it up with its evidence. Or declare a manual trigger here."
                if firing is not None
                else "No automatic trigger is proposed here: declare a manual one."
            )
            summary.set_class(False, "-firing")
            return
        text = Text.assemble(
            ("▲ Proposed: ", "bold"),
            visible(self.app.live.proposed_reason(self.firing)),
            "\nEvidence (Ctrl+S declares it; or choose a manual trigger instead):",
        )
        for line in evidence_lines(self.firing):
            text.append(f"\n  {line}", style="dim")
        summary.update(text)
        summary.set_class(True, "-firing")

    def chosen(self) -> str | None:
        button = self.query_one("#manual-triggers", RadioSet).pressed_button
        return button.name if button and button.name else None

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#reason", Input).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self.action_declare()

    async def action_declare(self) -> None:
        from console.ui.screens.picker import PickerScreen

        reason = self.query_one("#reason", Input).value
        error = self.query_one("#trigger-error", Label)
        chosen = self.chosen()
        if chosen is None:
            error.update("✘ Choose a manual trigger first (↑ ↓ then Space).")
            self.query_one("#manual-triggers", RadioSet).focus()
            return
        preselect: list[str] = []
        try:
            if chosen == AUTO and self.firing is not None:
                await self.app.live.declare(self.firing, reason)
                preselect = [self.firing.trigger.system]
            elif not reason.strip():
                error.update("✘ Type a reason before you go on: a manual trigger needs one.")
                self.query_one("#reason", Input).focus()
                return
            else:
                self.app.declare(TriggerKind(chosen), reason)
        except ProcedureError as exc:
            error.update(plain(f"✘ {exc}"))
            return
        self.app.switch_screen(PickerScreen(preselect=preselect))

    def action_back(self) -> None:
        self.dismiss()
