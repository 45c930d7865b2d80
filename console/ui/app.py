"""The Textual app: holds the engine and the open incident, and pumps journal events."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.theme import Theme

from console.engine.conductor import Conductor
from console.engine.reach import ReachCheck
from console.engine.session import Engine
from console.engine.watcher import Watcher
from console.journal.describe import describe
from console.model.clock import Clock, SystemClock
from console.model.events import Event, Kind
from console.model.settings import Settings
from console.model.visible import visible
from console.ui.commands import IncidentCommands
from console.ui.drills import DrillActions
from console.ui.incident_screens import SCREENS, screen_classes
from console.ui.lifecycle import IncidentLifecycle
from console.ui.live import LiveWatch
from console.ui.messages import JournalChanged
from console.ui.preferences import ThemeChoice
from console.ui.quitting import QuitActions
from console.ui.resume import ResumeActions
from console.ui.stepping import StepRunning
from console.ui.theme import ROLLBACK_THEME

FLUSH_SECONDS = 1 / 30
FUNCTION_KEY = re.compile(r"f\d{1,2}")


# What a closed incident refuses: it takes amendments only (the form, notes, stars); Enter
# on a step stays, for a form step opens its form to amend.
CLOSED_REFUSES = frozenset(
    {
        "skip",
        "retry",
        "abort",
        "accept_key",
        "adhoc",
        "other_strategy",
        "verify_unknown",
        "retry_unknown",
    }
)
BUSY_BATCH = 20


def _undelivered_unasked(event: Event) -> bool:
    """A notification nobody pressed a key for (a repeat, a page) that was not delivered."""
    if event.kind != Kind.NOTIFICATION_RESULT or event.data.get("ok"):
        return False
    return bool(event.data.get("repeat")) or event.where.step is None


class RollbackApp(
    IncidentLifecycle, StepRunning, ResumeActions, QuitActions, DrillActions, App[int]
):
    """The incident commander's console."""

    CSS_PATH = "app.tcss"
    TITLE = "rollback-console"
    COMMANDS = App.COMMANDS | {IncidentCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        *(row.binding() for row in SCREENS),
        Binding("f7", "close_incident", "Close incident…", id="incident.close"),
        Binding("ctrl+t", "decide_proposal", "Trigger…", id="watch.decide", priority=True),
        Binding("v", "verify_unknown", "Verify unknown", id="resume.verify"),
        Binding("r", "retry_unknown", "Retry unknown", id="resume.retry"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("q", "quit", "Quit", id="quit.q", show=False),
    ]
    read_only = False
    # Where the user's theme choice is remembered; the CLI sets it, tests mostly do not.
    theme_choice: ThemeChoice | None = None

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        clock: Clock | None = None,
        incident_id: str | None = None,
        resume: Path | Conductor | None = None,
        sample_probes: bool = True,
        check_reach: bool = True,
    ):
        super().__init__()
        self.resume_from = resume
        self.settings = settings
        self.engine = engine
        self.clock = clock or SystemClock()
        self.next_incident_id = incident_id
        self.conductor: Conductor | None = None
        self.exec_step: str | None = None
        self.keymap = dict(settings.console.keymap)
        self.draft: tuple[str | None, str] | None = None  # a declaration left with Esc
        self.last_key: float | None = None  # time.monotonic() of the last key pressed
        self._pending: list[Event] = []
        self._unsubscribe: Callable[[], None] | None = None
        watcher = Watcher(settings, engine.pool, clock=self.clock)
        self.live = LiveWatch(self, watcher, sampling=sample_probes)
        # The picker checks each host over SSH when `check_reach` (not in follow mode).
        self.reach = ReachCheck(engine.pool, settings.inventory) if check_reach else None

    # -- lifecycle -------------------------------------------------------------

    def on_mount(self, event: events.Mount) -> None:
        from console.ui.screens.home import HomeScreen

        self.register_theme(ROLLBACK_THEME)
        remembered = self.theme_choice.theme if self.theme_choice else None
        self.theme = remembered if remembered in self.available_themes else "rollback"
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        if self.keymap:
            self.set_keymap(self.keymap)
        self.set_interval(FLUSH_SECONDS, self._flush_events)
        self.live.start()
        self.push_screen(HomeScreen())
        if isinstance(self.resume_from, Conductor):
            self.show_resumed(self.resume_from)
        elif self.resume_from is not None:
            self.resume_incident(self.resume_from)

    def _theme_chosen(self, theme: Theme) -> None:
        """A theme picked in the palette is the one the next start opens with."""
        choice = self.theme_choice
        if choice and theme.name != (choice.theme or ROLLBACK_THEME.name):
            choice.remember(theme.name)

    def on_unmount(self) -> None:
        self.live.stop()
        if self._unsubscribe:
            self._unsubscribe()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.last_key = time.monotonic()  # somebody is at the keyboard
        await super().on_event(event)

    def to_home(self) -> None:
        """Back to the home screen: everything above it is closed (dialogs, declaration
        screens) or put away (the incident's screens stay installed)."""
        from console.ui.screens.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def enter_incident(self) -> None:
        """The declaration is done: its screens close, the checklist opens over home."""
        self.to_home()
        self.push_screen("checklist")

    def get_key_display(self, binding: Binding) -> str:
        """Keys as they are written on keyboards and in this program's words: `F2`, `^s`,
        `v` (a letter is shown in the case that works)."""
        shown = super().get_key_display(binding)
        return shown.upper() if FUNCTION_KEY.fullmatch(shown) else shown

    def key_label(self, binding_id: str) -> str:
        """How the key of binding `binding_id` is shown (e.g. `v`, `^s`, `f7`): hints
        on screen name keys through this, so they name the key that works."""
        from console.ui.keys import binding, key_of

        declared = binding(binding_id)
        return self.get_key_display(
            Binding(key_of(binding_id, self.keymap), declared.action, key_display=None)
        )

    # -- events from the journal, coalesced ------------------------------------

    def _on_event(self, event: Event) -> None:
        """Called synchronously by the Recorder: only buffer here."""
        self._pending.append(event)

    def _flush_events(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        for event in batch:  # a periodic update or a page that did not go out: say so
            if _undelivered_unasked(event):
                self.notify(describe(event), title="Not delivered", severity="warning")
        for screen in self.screen_stack:
            screen.post_message(JournalChanged(batch))
        if len(batch) >= BUSY_BATCH:
            # A flood of events grows the heap fast and sets off full GC passes that stall
            # the loop; the events live as long as the incident anyway, so park them. What
            # is garbage already is collected first, or it would be parked for good: that
            # pass scans only what was made since the last freeze, so it is short.
            gc.collect()
            gc.freeze()

    # -- the incident ------------------------------------------------------------

    def attach(self, conductor: Conductor) -> None:
        """Make `conductor` the open incident and install its screens."""
        if self._unsubscribe:
            self._unsubscribe()
        for row in SCREENS:
            self.uninstall_screen(row.name)
        self.conductor = conductor
        self.exec_step = None
        # The journal's events live as long as the incident: a resumed one can hold 100,000
        # of them, and a full GC pass over those stalled the UI for ~0.8 s. Park them.
        gc.freeze()
        self._unsubscribe = conductor.recorder.subscribe(self._on_event)
        # Samples and firings go into an open incident's journal; a closed one is only amended.
        self.live.watcher.attach(None if conductor.state.closed else conductor.recorder)
        for name, screen_class in screen_classes():
            self.install_screen(screen_class(), name)

    def phase_title(self) -> str:
        if self.conductor is None:
            return ""
        step = self.conductor.current()
        if step is None:
            return "All steps finished"
        return self.settings.procedure.phase_of(step.id).label

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast as plain text: its words may come from a host (errors, details),
        so no markup in them is obeyed and no control character reaches the terminal."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    # -- actions -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go" and self.conductor is None:
            return None
        if action == "decide_proposal":
            live = self.live
            waiting = live.proposal is not None or live.countdown is not None
            return waiting and self.allows(action)
        if action == "close_incident":
            conductor = self.conductor
            return conductor is not None and not conductor.state.closed and self.allows(action)
        return self.allows(action) and self.check_unknown_action(action)

    def allows(self, action: str) -> bool:
        """Whether `action` may run at all (the follow view refuses what changes things;
        while a drill drives the incident, a person does not; a closed incident takes
        amendments only)."""
        conductor = self.conductor
        if conductor is not None and conductor.state.closed and action in CLOSED_REFUSES:
            return False
        return self.check_drill_action(action)

    def action_go(self, name: str) -> None:
        if self.conductor is None:
            self.notify("Open or start an incident first.", severity="warning")
            return
        from console.ui.screens.base import IncidentScreen

        top = self.screen
        if top.is_modal:
            return
        target = self.get_screen(name)
        if target is top:
            return
        if isinstance(top, IncidentScreen):
            self.switch_screen(name)  # one incident screen in place of another
        else:
            self.push_screen(name)  # over home or a declaration, which stay beneath

    def action_help(self) -> None:
        from console.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))


def make_app(
    settings: Settings,
    engine: Engine,
    clock: Clock | None = None,
    *,
    incident_id: str | None = None,
    resume: Path | Conductor | None = None,
    sample_probes: bool = True,
    check_reach: bool = True,
) -> RollbackApp:
    """The factory both the CLI and the tests call; `resume` reopens that journal, or
    shows the incident the engine already resumed."""
    return RollbackApp(
        settings,
        engine,
        clock,
        incident_id=incident_id,
        resume=resume,
        sample_probes=sample_probes,
        check_reach=check_reach,
    )
