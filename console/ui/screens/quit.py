"""Quitting while a step runs: abort it (a reason is asked and recorded), detach (its
commands run on without the console, and stay unknown until resumed and verified), or
stay."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from console.model.visible import visible
from console.ui.messages import JournalChanged
from console.ui.running_now import RunningNow
from console.ui.screens.button_dialog import ButtonDialog

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

SHOWN_HOSTS = 6


class QuitDialog(ButtonDialog[str | None]):
    """`abort` or `detach` (of `shown`: what it said at that moment), `ended` (what it
    named ended and nothing runs now), or None (stay)."""

    if TYPE_CHECKING:
        app = getters.app(RollbackApp)

    BINDINGS = [
        Binding("escape", "choose(None)", "Stay", id="quit.stay"),
        Binding("a", "choose('abort')", "Abort the step, then quit", id="quit.abort"),
        Binding("d", "choose('detach')", "Detach and quit", id="quit.detach"),
    ]

    def __init__(
        self, now: Callable[[], RunningNow | None], *, drill: bool = False, note: str = ""
    ):
        super().__init__()
        self.note = note  # why it is asked again: what the last one named had ended
        # What runs, asked again as it changes: the dialog says what runs now (a drill
        # goes on to its next step while it is open), and `shown` is what it said last,
        # what an answer is about (running_now.gone).
        self.now = now
        shown = now()
        assert shown is not None, "asked only while something runs"
        self.shown = shown
        self.drill = drill  # a drill drives the incident: an abort ends it, judged

    def compose(self) -> ComposeResult:
        abort, detach = (self.app.key_label(f"quit.{choice}") for choice in ("abort", "detach"))
        running, choices = self._words(self.shown)
        with Vertical(classes="dialog -danger", id="quit-dialog"):
            yield Label("A step is still running", classes="dialog-title")
            if self.note:
                yield Static(visible(self.note), classes="dialog-text", markup=False)
            yield Static(running, classes="dialog-text", markup=False, id="quit-running")
            yield Static(choices, classes="dialog-text", id="quit-choices")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Stay (Esc)", id="stay", variant="primary")
                yield Button(f"Detach ({detach})", id="detach", variant="warning")
                yield Button(f"Abort, quit ({abort})", id="abort", variant="error")

    def _words(self, shown: RunningNow) -> tuple[str, str]:
        """What runs, and what each answer does to it."""
        hosts, steps = _names(list(shown.hosts)), shown.titles
        abort, detach = (self.app.key_label(f"quit.{choice}") for choice in ("abort", "detach"))
        if hosts:
            running = f"{steps} runs on {hosts}."
            if shown.waiting:  # their turn not come yet (more hosts than run at once, waves)
                waiting = _names(list(shown.waiting))
                running += f" Not started yet: {waiting} (none starts once you quit)."
            choices = (
                f"Abort ({abort}): its commands are stopped (TERM, then KILL) and your reason"
                " is recorded, then the console quits.\n"
                f"Detach ({detach}): the console quits and the commands run on without it. They"
                " stay unknown, the systems' locks held, until you resume and verify them"
                f" ({self.app.key_label('resume.verify')});"
                " what they print from now on is lost."
            )
            if self.drill:  # the drill's worker finishes an aborted drill; detached, none does
                choices = (
                    f"Abort ({abort}): its commands are stopped (TERM, then KILL), your reason"
                    " is recorded, the drill's faults are undone and it is judged FAILED and"
                    " closed, then the console quits.\n"
                    f"Detach ({detach}): the console quits and the commands run on without it,"
                    " unknown until you resume and verify them"
                    f" ({self.app.key_label('resume.verify')}). The drill is never judged and"
                    " its faults stay in place, NOT UNDONE."
                )
        else:  # a status update's deliveries, a soak's samples: in this console, not on hosts
            running = f"{steps} runs here, in this console: nothing of it runs on a host."
            choices = (
                f"Abort ({abort}): it is stopped and your reason is recorded, then the console"
                " quits.\n"
                f"Detach ({detach}): the console quits and the step ends with it, unfinished (a"
                " notification not delivered yet is never sent); it reads unknown until you"
                " resume and run it again."
            )
            if self.drill:  # a drill's soak: as for its commands, the drill's end is said
                choices = (
                    f"Abort ({abort}): it is stopped, your reason is recorded, the drill's"
                    " faults are undone and it is judged FAILED and closed, then the console"
                    " quits.\n"
                    f"Detach ({detach}): the console quits and the step ends with it,"
                    " unfinished. The drill is never judged and its faults stay in place,"
                    " NOT UNDONE."
                )
        return visible(running), choices

    def on_mount(self) -> None:
        self.query_one("#stay", Button).focus()
        # A step ends or starts between two journal events too (its worker leaves it
        # after the last one): look again a few times a second as well.
        self.set_interval(0.2, self.follow)

    def on_journal_changed(self, message: JournalChanged) -> None:
        self.follow()

    def follow(self) -> None:
        """Say what runs now; with nothing running any more, the dialog has no question
        left: it answers `ended` (the quit is asked again, as things stand now)."""
        now = self.now()
        if now is None:
            self.dismiss("ended")
        elif now != self.shown:
            self.shown = now
            running, choices = self._words(now)
            self.query_one("#quit-running", Static).update(running)
            self.query_one("#quit-choices", Static).update(choices)

    def answer(self, button: Button) -> None:
        self.action_choose(None if button.id == "stay" else button.id)

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)


def _names(hosts: list[str]) -> str:
    shown = ", ".join(hosts[:SHOWN_HOSTS])
    if len(hosts) > SHOWN_HOSTS:
        shown += f" and {len(hosts) - SHOWN_HOSTS} more"
    return shown
