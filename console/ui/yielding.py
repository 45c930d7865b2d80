"""The console driving an incident, asked for command by a teammate
(console/engine/handover_request.py): whoever is at its keyboard keeps command (Esc) or
hands it over (Enter); with nobody there for the whole countdown, it hands command over,
recorded, and quits, letting go of the journal and the locks. Never while a step runs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from console.engine.handover_request import Request, accept, asked, withdraw
from console.journal.lock import SystemLocks
from console.ui.widgets.plain import plain

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

YIELD_SECONDS = 30.0  # nobody at the keyboard this long: command goes to the teammate


class YieldDialog(ModalScreen[str]):
    """Keep command (Esc: "kept") or hand it over (Enter: "handed", nobody there:
    "unanswered"); "withdrawn" once the request no longer stands (the teammate's minute
    of waiting is over: handed over then, command would go to nobody)."""

    BINDINGS = [
        Binding("escape", "keep", "Keep command", id="yield.keep"),
        Binding("enter", "hand_over", "Hand over now", id="yield.hand-over"),
    ]

    def __init__(self, request: Request, seconds: float, locks: SystemLocks, incident: str):
        super().__init__()
        self.request, self.locks, self.incident = request, locks, incident
        self.deadline = time.monotonic() + seconds
        self.shown_at = time.monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(f"{self.request.user} asks for command"), classes="dialog-title")
            yield Static(
                plain(
                    f"Asked by {self.request.said()}. Enter hands command over to"
                    f" {self.request.to}: it is recorded, and this console lets go of the"
                    " journal and the locks and quits. Esc keeps command (recorded; the"
                    " teammate is told).",
                    one_line=False,
                )
            )
            yield Static("", id="yield-countdown")
            yield Static(plain("Enter: hand over now · Esc: keep command"), classes="muted")

    def on_mount(self) -> None:
        self.set_interval(0.5, self._tick)
        self._tick()

    def _tick(self) -> None:
        if asked(self.locks, self.incident) != self.request:
            self.dismiss("withdrawn")  # the teammate gave up waiting: nobody to hand it to
            return
        last_key = getattr(self.app, "last_key", None)
        countdown = self.query_one("#yield-countdown", Static)
        if last_key is not None and last_key > self.shown_at:  # somebody is here
            countdown.update(plain("Someone is at this keyboard: Enter or Esc decides."))
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.dismiss("unanswered")
            return
        countdown.update(plain(f"With nobody at this keyboard, command goes in {left:.0f} s."))

    def action_keep(self) -> None:
        self.dismiss("kept")

    def action_hand_over(self) -> None:
        self.dismiss("handed")


class RequestWatch:
    """Looks for a request for command of the incident this console drives."""

    def __init__(self, app: RollbackApp, seconds: float = YIELD_SECONDS):
        self.app = app
        self.seconds = seconds
        self.shown: Request | None = None
        self.told: Request | None = None  # the request said while a step ran

    def tick(self) -> None:
        conductor = self.app.conductor
        if conductor is None or conductor.state.closed or self.shown:
            return
        incident = conductor.state.incident_id or ""
        request = asked(self.app.engine.locks, incident)
        if request is None or request.to == conductor.state.commander:
            return
        if conductor.running:  # never handed over mid-step: but the commander is told
            if request != self.told:
                self.told = request
                self.app.notify(
                    f"Asked by {request.said()}. Not while a step runs: once it has ended,"
                    " this console asks you, if the request still stands (the teammate waits"
                    " a minute at most).",
                    title=f"{request.user} asks for command",
                    severity="warning",
                    timeout=30,
                    markup=False,
                )
            return
        self.shown = request

        def decided(answer: str | None) -> None:
            self.shown = None
            current = self.app.conductor
            if current is not conductor or conductor.state.closed:
                return
            handing = answer in ("handed", "unanswered") and not conductor.running
            if handing and not accept(locks, incident, request):
                answer = "withdrawn"  # given up since (its minute is over): nobody takes it
            if answer == "withdrawn":
                conductor.note(f"kept command: asked for by {request.said()}; withdrawn unanswered")
                self.app.notify(
                    f"{request.user} no longer asks for command (the request was withdrawn"
                    " before it was answered): command stays here.",
                    title="Command kept",
                    severity="warning",
                    markup=False,
                )
                return
            if answer not in ("handed", "unanswered") or conductor.running:
                withdraw(self.app.engine.locks, incident)
                conductor.note(f"kept command, asked for by {request.said()}")
                return
            how = (
                "handed over at this console"
                if answer == "handed"
                else f"nobody answered at this console for {self.seconds:.0f} s"
            )
            conductor.hand_over(
                request.to, f"asked for by {request.said()}; {how}", reason=request.reason
            )
            self.app.quitting.ended_by = f"command handed over to {request.to}"
            self.app.quitting.handed_to = request.to
            self.app.quitting.exit(0)

        locks = self.app.engine.locks
        self.app.push_screen(YieldDialog(request, self.seconds, locks, incident), decided)
