"""The Textual app: the incident's screens (`IncidentApp`) with the engine, the live watch
and the commander's actions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import App
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from console.engine.reach import ReachCheck
from console.engine.session import Engine
from console.engine.watcher import Watcher
from console.journal.files import JournalWriteFailed
from console.model.clock import Clock, SystemClock
from console.model.settings import Settings
from console.ui.aborting import Aborting
from console.ui.commands import IncidentCommands
from console.ui.declaration_draft import take_up
from console.ui.drills import DrillControl
from console.ui.incident_app import FLUSH_SECONDS, IncidentApp
from console.ui.lifecycle import Lifecycle
from console.ui.live import LiveWatch
from console.ui.lock_takeover import offer_lock_takeover
from console.ui.preferences import ThemeChoice
from console.ui.quitting import Quitting
from console.ui.resume import Resuming
from console.ui.stepping import Stepping
from console.ui.theme import ROLLBACK_THEME
from console.ui.unknown_hosts import UnknownHosts

if TYPE_CHECKING:  # imported by the first incident: not on the way to the first frame
    from console.engine.conductor import Conductor
    from console.engine.errors import StaleLock
    from console.ui.running_now import RunningNow

# What a closed incident refuses: it takes amendments only (the form, notes, stars); Enter
# on a step stays, for a form step opens its form to amend.
# The workers that run steps (a verify or retry of unknown hosts, an abort, a drill too).
RUN_GROUPS = frozenset({"step", "attempts", "abort", "drill"})

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


REQUEST_SECONDS = 1.0  # how often a request for command (yielding.py) is looked for


class RollbackApp(IncidentApp):
    """The incident commander's console: the incident's screens (IncidentApp) with the
    engine and the live watch. What the commander does is in parts it owns, each given
    only what it needs of the app (`console_app.AppPart` and its own protocol):
    `lifecycle`, `aborting`, `steps`, `resuming`, `unknown_hosts`, `quitting`, `drills`."""

    COMMANDS = App.COMMANDS | {IncidentCommands}
    live: LiveWatch
    # Where the user's theme choice is remembered; the CLI sets it, tests mostly do not.
    theme_choice: ThemeChoice | None = None
    # The journal could not be written: the console ended, the command line says why.
    journal_stopped: JournalWriteFailed | None = None

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
        self.engine = engine  # first: the settings are the engine's (`settings`)
        super().__init__(settings, clock or SystemClock(), dict(settings.console.keymap))
        self.resume_from = resume
        self.next_incident_id = incident_id
        self.conductor: Conductor | None = None
        self.draft: tuple[str | None, str] | None = None  # a declaration left with Esc
        self.last_key: float | None = None  # time.monotonic() of the last key pressed
        watcher = Watcher(settings, engine.pool, clock=self.clock)
        self.live = LiveWatch(self, watcher, sampling=sample_probes)
        # The picker checks each host over SSH when `check_reach` (not in follow mode).
        self.reach = ReachCheck(engine.pool, settings.inventory) if check_reach else None
        self.drills = DrillControl(self)
        self.quitting = Quitting(self)
        self.unknown_hosts = UnknownHosts(self)
        self.resuming = Resuming(self, self.unknown_hosts)
        self.steps = Stepping(self)
        self.lifecycle = Lifecycle(self)
        self.aborting = Aborting(self, self.lifecycle)
        from console.ui.yielding import RequestWatch

        self.yielding = RequestWatch(self)  # a teammate asking for command

    @property
    def settings(self) -> Settings:
        """The configuration the console runs with, one: the engine's, which makes every
        incident's conductor; drills.toml read again (DrillControl) replaces it there."""
        return self.engine.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self.engine.settings = settings

    # -- lifecycle -------------------------------------------------------------

    def on_mount(self, event: events.Mount) -> None:
        from console.ui.screens.home import HomeScreen

        remembered = self.theme_choice.theme if self.theme_choice else None
        if remembered != ROLLBACK_THEME.name and remembered in self.available_themes:
            self.theme = remembered  # the app opened in ours (TerminalApp._open_in)
        self.theme_changed_signal.subscribe(self, self._theme_chosen)
        if self.keymap:
            self.set_keymap(self.keymap)
        self.set_interval(FLUSH_SECONDS, self.flush_events)
        self.set_interval(REQUEST_SECONDS, self.yielding.tick)
        self.live.start()
        self.push_screen(HomeScreen(classes=self.breakpoint_class()))
        if isinstance(self.resume_from, Path):
            self.resuming.resume(self.resume_from)
        elif self.resume_from is not None:
            self.resuming.show_resumed(self.resume_from)
        else:  # a declaration the last console was ended on
            take_up(self)

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

    def _handle_exception(self, error: Exception) -> None:
        if not self._journal_stops(error):
            self._ended_on(error)
            super()._handle_exception(error)

    def _ended_on(self, error: Exception) -> None:
        """An error no check foresaw ends the console: its traceback is saved as the command
        line saves one (console/guard.py), and why it ended goes into the record, its
        incident let go of with it (cli/launch.py). Seen: a console that crashed mid-wave
        recorded "the console quit" with its host "left running when the console detached",
        and `list` read that its commander had let go of it."""
        from console.ui.fatal import saved_crash

        if self.quitting.ended_by is not None or self.conductor is None:
            return  # ending already (why is said), or nothing to record it in
        what, saved = saved_crash(error)  # the terminal's line names the same file
        where = f"; its traceback in {saved}" if "\n" not in saved else ""
        self.quitting.ended_by = f"it ended on an internal error, {what}{where}"
        self.quitting.crashed = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A step's worker (its errors are kept, not raised) that the journal stopped; one
        that ran steps has ended: the screen syncs again, its keys with it (the steps no
        longer run, perhaps with no event after their last)."""
        if event.state is WorkerState.ERROR and event.worker.node is self:
            self.worker_failed(event.worker)
        ended = event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
        if ended and event.worker.group in RUN_GROUPS:
            from console.ui.screens.base import IncidentScreen

            if isinstance(self.screen, IncidentScreen):
                self.screen.sync_soon()

    def worker_failed(self, worker: Worker[object]) -> None:
        """A journal that stopped ends the console; any other error is said."""
        if worker.error is not None and not self._journal_stops(worker.error):
            super().worker_failed(worker)

    def _journal_stops(self, error: BaseException) -> bool:
        """The journal could not be written (a full disk): nothing more is recorded, so
        nothing more may be done or sent. The console ends at once, without a traceback;
        the command line prints why and how to go on (resume, once there is room)."""
        seen: BaseException | None = error
        for _ in range(8):  # the failure, or what it caused: a short chain
            if seen is None or isinstance(seen, JournalWriteFailed):
                break
            seen = seen.__cause__ or seen.__context__
        if not isinstance(seen, JournalWriteFailed):
            return False
        if self.journal_stopped is None:
            self.journal_stopped = seen
            self.exit(return_code=1)
        return True

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

    def attach(self, incident: Conductor) -> None:  # type: ignore[override]
        """Drive `incident` now; the one driven before is left (`_leave`)."""
        previous = self.conductor
        super().attach(incident)
        if previous is not None and previous is not incident:
            self._leave(previous)

    def _leave(self, previous: Conductor) -> None:
        """The console drives another incident: the one it leaves gives back its locks
        (kept while a host is unknown there) and, once its last notifications are out, its
        journal, so that another console may resume or amend it. One with a step running
        is left be: its commands run on here, and their outcomes are recorded there."""
        if previous.recorder.closed or previous.running:
            return
        previous.let_go("the console opened another incident")
        notifier = previous.notifier
        if not notifier.pager.pending and all(t.done() for t in notifier.repeats.tasks):
            previous.recorder.close()
            return

        async def drained() -> None:
            await notifier.drain()
            previous.recorder.close()

        self.run_worker(drained(), group="left", exit_on_error=False)

    def attached(self) -> None:
        """Samples and firings go into an open incident's journal; a closed one is only
        amended, and a drill's records are its own watchers' (as headless: the same
        document from the console and from `drill`). While this watcher samples, it alone
        judges the triggers there: a step's soak only reads the probes (as `run`'s)."""
        conductor = self.conductor
        assert conductor is not None  # just attached
        watched = not (conductor.state.closed or conductor.state.drill)
        self.live.watcher.attach(conductor.recorder if watched else None)
        conductor.triggers_watched = watched and self.live.sampling

    # -- actions -------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Ctrl+Q, q: while a step runs, abort it or detach first; else ask once if
        something is left open."""
        await self.quitting.quit()

    def action_help_quit(self) -> None:
        """Ctrl+C quits as Ctrl+Q and q do (inside a text field it copies)."""
        self.call_next(self.action_quit)

    def action_decide_proposal(self) -> None:
        """Ctrl+T: decide on the newest automatic trigger waiting for a person."""
        self.lifecycle.decide_proposal()

    def action_close_incident(self) -> None:
        """F7: close the incident, the outcome the record suggests preselected."""
        self.lifecycle.offer_close()

    def prompt_abort(self, then_quit: bool = False, shown: RunningNow | None = None) -> None:
        """Abort the running step (`shown`: as a dialog named it), or with nothing
        running the incident; asks why."""
        self.aborting.prompt_abort(then_quit, shown)

    def prompt_note(self, step_id: str | None = None, title: str | None = None) -> None:
        """Ask for a note (on `step_id`, titled `title`) and journal it."""
        self.lifecycle.prompt_note(step_id, title)

    def do_step(self, step_id: str) -> None:
        """The one obvious action for a step: confirm, run, or open its form."""
        self.steps.do_step(step_id)

    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        """Run a step, asking first (what it sends, to how many hosts)."""
        self.steps.start_run(step_id, only_hosts)

    def undo_step(self, step_id: str) -> None:
        """Undo a strategy step on the hosts it touched, its commands shown first."""
        self.steps.undo_step(step_id)

    def offer_lock_takeover(self, refusal: StaleLock, retry: Callable[[str], None]) -> None:
        """Ask for a reason to take over a stale lock; `retry(reason)` tries again."""
        offer_lock_takeover(self, refusal, retry)

    def action_verify_unknown(self) -> None:
        """v: verify the hosts a stopped console left unknown."""
        self.unknown_hosts.verify()

    def action_retry_unknown(self) -> None:
        """r: retry the interrupted step on its unknown hosts only."""
        self.unknown_hosts.retry()

    def banner(self) -> Text | None:
        """The unknown hosts a resume found, and the keys that clear them."""
        return self.unknown_hosts.banner()

    def summary(self) -> str:
        """The line printed once the console has quit."""
        return self.quitting.summary()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "decide_proposal":
            live = self.live
            waiting = live.proposal is not None or live.countdown is not None
            return waiting and self.allows(action)
        allowed = super().check_action(action, parameters)
        return allowed and self.unknown_hosts.check_action(action)

    def key_inputs(self) -> tuple[object, ...]:
        """Beyond the incident's: a proposal waiting (^t), a drill driving, a host
        unknown (v, r)."""
        live = self.live
        waiting = live.proposal is not None or live.countdown is not None
        return (
            *super().key_inputs(),
            waiting,
            self.drills.running,
            self.unknown_hosts.any_unknown(),
        )

    def allows(self, action: str) -> bool:
        """Whether `action` may run at all (the follow view refuses what changes things;
        while a drill drives the incident, a person does not; a closed incident takes
        amendments only)."""
        conductor = self.conductor
        if conductor is not None and conductor.state.closed and action in CLOSED_REFUSES:
            return False
        return self.drills.allows(action)


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
