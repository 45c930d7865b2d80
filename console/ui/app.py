"""The Textual app: the incident's screens (`IncidentApp`) with the engine, the live watch
and the commander's actions."""

from __future__ import annotations

import time
from pathlib import Path

from textual import events
from textual.app import App
from textual.theme import Theme

from console.engine.conductor import Conductor
from console.engine.reach import ReachCheck
from console.engine.session import Engine
from console.engine.watcher import Watcher
from console.model.clock import Clock, SystemClock
from console.model.settings import Settings
from console.ui.commands import IncidentCommands
from console.ui.drills import DrillActions
from console.ui.incident_app import FLUSH_SECONDS, IncidentApp
from console.ui.lifecycle import IncidentLifecycle
from console.ui.live import LiveWatch
from console.ui.preferences import ThemeChoice
from console.ui.quitting import QuitActions
from console.ui.resume import ResumeActions
from console.ui.stepping import StepRunning
from console.ui.theme import ROLLBACK_THEME

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


class RollbackApp(
    IncidentLifecycle, StepRunning, ResumeActions, QuitActions, DrillActions, IncidentApp
):
    """The incident commander's console."""

    COMMANDS = App.COMMANDS | {IncidentCommands}
    live: LiveWatch
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
        super().__init__(settings, clock or SystemClock(), dict(settings.console.keymap))
        self.resume_from = resume
        self.engine = engine
        self.next_incident_id = incident_id
        self.conductor: Conductor | None = None
        self.draft: tuple[str | None, str] | None = None  # a declaration left with Esc
        self.last_key: float | None = None  # time.monotonic() of the last key pressed
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

    def on_unmount(self) -> None:  # IncidentApp's runs too (Textual calls each class's)
        self.live.stop()

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

    # -- the incident ------------------------------------------------------------

    def attached(self) -> None:
        """Samples and firings go into an open incident's journal; a closed one is only
        amended."""
        conductor = self.conductor
        assert conductor is not None  # just attached
        self.live.watcher.attach(None if conductor.state.closed else conductor.recorder)

    # -- actions -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide_proposal":
            live = self.live
            waiting = live.proposal is not None or live.countdown is not None
            return waiting and self.allows(action)
        allowed = super().check_action(action, parameters)
        return allowed and self.check_unknown_action(action)

    def allows(self, action: str) -> bool:
        """Whether `action` may run at all (the follow view refuses what changes things;
        while a drill drives the incident, a person does not; a closed incident takes
        amendments only)."""
        conductor = self.conductor
        if conductor is not None and conductor.state.closed and action in CLOSED_REFUSES:
            return False
        return self.check_drill_action(action)


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
