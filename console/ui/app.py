"""The Textual app: holds the engine and the open incident, and pumps journal events."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.theme import Theme

from console.engine.conductor import Conductor, ProcedureError
from console.engine.errors import StaleLock
from console.engine.reach import ReachCheck
from console.engine.session import Engine
from console.engine.watcher import Watcher
from console.journal.describe import describe
from console.model.clock import Clock, SystemClock
from console.model.events import Event, Kind
from console.model.procedure import StepKind
from console.model.settings import Settings
from console.model.triggers import TriggerKind
from console.model.visible import visible
from console.ui.commands import IncidentCommands
from console.ui.drills import DrillActions
from console.ui.live import LiveWatch
from console.ui.messages import JournalChanged, StepRunFinished
from console.ui.preferences import ThemeChoice
from console.ui.quitting import QuitActions
from console.ui.resume import ResumeActions
from console.ui.theme import ROLLBACK_THEME

FLUSH_SECONDS = 1 / 30
INCIDENT_SCREENS = ("checklist", "execution", "timeline", "form", "export")


BUSY_BATCH = 20


def _undelivered_unasked(event: Event) -> bool:
    """A notification nobody pressed a key for (a repeat, a page) that was not delivered."""
    if event.kind != Kind.NOTIFICATION_RESULT or event.data.get("ok"):
        return False
    return bool(event.data.get("repeat")) or event.where.step is None


class RollbackApp(QuitActions, ResumeActions, DrillActions, App[int]):
    """The incident commander's console."""

    CSS_PATH = "app.tcss"
    TITLE = "rollback-console"
    COMMANDS = App.COMMANDS | {IncidentCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f2", "go('checklist')", "Checklist", id="go.checklist", show=False),
        Binding("f3", "go('execution')", "Execution", id="go.execution", show=False),
        Binding("f4", "go('timeline')", "Timeline", id="go.timeline", show=False),
        Binding("f5", "go('form')", "Post-rollback", id="go.form", show=False),
        Binding("f6", "go('export')", "Export", id="go.export", show=False),
        Binding("v", "verify_unknown", "Verify unknown", id="resume.verify"),
        Binding("r", "retry_unknown", "Retry unknown", id="resume.retry"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
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

    def key_for(self, binding_id: str, default: str) -> str:
        return self.keymap.get(binding_id, default).split(",")[0]

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
        from console.ui.screens.checklist import ChecklistScreen
        from console.ui.screens.execution import ExecutionScreen
        from console.ui.screens.export import ExportScreen
        from console.ui.screens.form import FormScreen
        from console.ui.screens.timeline import TimelineScreen

        if self._unsubscribe:
            self._unsubscribe()
        for name in INCIDENT_SCREENS:
            self.uninstall_screen(name)
        self.conductor = conductor
        self.exec_step = None
        # The journal's events live as long as the incident: a resumed one can hold 100,000
        # of them, and a full GC pass over those stalled the UI for ~0.8 s. Park them.
        gc.freeze()
        self._unsubscribe = conductor.recorder.subscribe(self._on_event)
        self.live.watcher.attach(conductor.recorder)
        screens = [ChecklistScreen, ExecutionScreen, TimelineScreen, FormScreen, ExportScreen]
        for name, screen_class in zip(INCIDENT_SCREENS, screens, strict=True):
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

    def declare(self, kind: TriggerKind, reason: str) -> None:
        """Open the incident (if none is attached) and record its trigger."""
        reason = reason.strip()
        if not reason:
            raise ProcedureError(f"a manual trigger ({kind.label}) needs a reason")
        conductor = self.conductor
        if conductor is None or conductor.state.trigger is not None:
            conductor = self.engine.new_incident(
                kind.incident_title(reason), incident_id=self.next_incident_id
            )
            self.next_incident_id = None
            self.attach(conductor)
        conductor.declare_trigger(kind, reason)

    def pick(
        self,
        systems: list[str],
        hosts: list[str] | None,
        strategy: str,
        params: dict[str, str],
        ssh_check: dict[str, str] | None = None,
    ) -> None:
        assert self.conductor is not None
        self.conductor.select(systems, hosts, ssh_check)
        self.conductor.choose_strategy(strategy, params)

    def do_step(self, step_id: str) -> None:
        """The one obvious action for a step: confirm, run, or open its form."""
        conductor = self.conductor
        if conductor is None:
            return
        step = conductor.step(step_id)
        try:
            if step.kind is StepKind.MANUAL:
                if conductor.state.step(step_id).status.finished:
                    self.notify(f"“{step.title}” is already done.")
                    return
                conductor.confirm(step_id)
            elif step.kind is StepKind.FORM:
                self.action_go("form")
            else:
                self.start_run(step_id)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not done", severity="error")

    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        assert self.conductor is not None
        if self.conductor.running:
            running = ", ".join(sorted(self.conductor.running))
            self.notify(
                f"A step is running ({running}). Wait for it, or abort it first.",
                title="Not started",
                severity="warning",
            )
            return
        if self.conductor.step(step_id).kind is not StepKind.NOTIFY:
            # A status update goes from the jump host, not to hosts: the checklist stays.
            self.exec_step = step_id
            self.action_go("execution")
        self.run_step(step_id, only_hosts)

    @work(exclusive=True, group="step", exit_on_error=False)
    async def run_step(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        assert self.conductor is not None
        try:
            ok = await self.conductor.run_step(step_id, only_hosts=only_hosts)
        except StaleLock as exc:
            self.offer_lock_takeover(
                str(exc), lambda why: self._run_taking_over(why, step_id, only_hosts)
            )
            return
        except ProcedureError as exc:
            self.notify(str(exc), title="Not started", severity="error")
            return
        self._flush_events()
        step = self.conductor.step(step_id)
        title = step.title
        if step.kind is StepKind.NOTIFY:
            self._notified(step_id, ok)
        elif ok:
            # The execution screen already says so; elsewhere a short toast tells.
            if self.screen is not self.get_screen("execution"):
                self.notify(f"“{title}” succeeded on every host.", title="Step done", timeout=3)
        else:
            self.notify(
                f"“{title}” did not succeed everywhere. Retry failed hosts with T, or skip.",
                title="Step failed",
                severity="error",
            )
        self.screen.post_message(StepRunFinished(step_id, ok))

    def _run_taking_over(self, reason: str, step_id: str, only_hosts: list[str] | None) -> None:
        if self.conductor is not None:
            self.conductor.lock_takeover_reason = reason
            self.run_step(step_id, only_hosts)

    def _notified(self, step_id: str, ok: bool) -> None:
        """What each channel of a status update said, as one toast."""
        assert self.conductor is not None  # a step just ran in the open incident
        sent: list[str] = []
        undelivered = False
        for event in reversed(self.conductor.recorder.events):  # this attempt's results
            if event.where.step == step_id and event.kind == Kind.STEP_STARTED:
                break
            if event.where.step == step_id and event.kind == Kind.NOTIFICATION_RESULT:
                sent.insert(0, describe(event))
                undelivered = undelivered or not event.data.get("ok")
        if ok and undelivered:
            self.notify(
                "\n".join(sent), title="Status update: not every channel", severity="warning"
            )
        elif ok:
            self.notify("\n".join(sent) or "sent", title="Status update sent", timeout=6)
        else:
            self.notify(
                "\n".join(sent) or "not sent", title="Status update FAILED", severity="error"
            )

    def offer_lock_takeover(self, refusal: str, retry: Callable[[str], None]) -> None:
        """A stale lock (its process is gone) is taken over only with a journalled reason:
        `retry(reason)` tries again with it."""
        from console.ui.screens.dialogs import TextPrompt

        def take_over(reason: str | None) -> None:
            if reason:
                retry(reason)

        self.push_screen(
            TextPrompt(
                "Take over a stale lock?",
                f"{refusal}.\nWhy is it safe to take it over? The reason is journalled.",
                "e.g. the console that held it crashed; nobody else is rolling back",
                danger=True,
            ),
            take_over,
        )

    @work(group="abort", exit_on_error=False)
    async def abort(self, reason: str) -> None:
        assert self.conductor is not None
        try:
            await self.conductor.abort(reason)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not aborted", severity="error")

    # -- actions -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go" and self.conductor is None:
            return None
        return self.allows(action) and self.check_unknown_action(action)

    def allows(self, action: str) -> bool:
        """Whether `action` may run at all (the follow view refuses what changes things;
        while a drill drives the incident, a person does not)."""
        return self.check_drill_action(action)

    def action_go(self, name: str) -> None:
        if self.conductor is None:
            self.notify("Open or start an incident first.", severity="warning")
            return
        top = self.screen
        if top.is_modal:
            return
        target = self.get_screen(name)
        if target is not top:
            self.switch_screen(name)

    def action_help(self) -> None:
        from console.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def prompt_note(self, step_id: str | None = None) -> None:
        from console.ui.screens.dialogs import TextPrompt

        if self.conductor is None:
            return

        def noted(text: str | None) -> None:
            if text and self.conductor:
                self.conductor.note(text, step_id)
                self.notify("Note added to the timeline.")

        where = f" on “{self.conductor.step(step_id).title}”" if step_id else ""
        self.push_screen(
            TextPrompt(f"Add a note{where}", "It becomes a timeline event.", "Note"), noted
        )

    def prompt_abort(self, then_quit: bool = False) -> None:
        """Ask why, then abort the running step (and quit, when quitting asked)."""
        from console.ui.screens.dialogs import TextPrompt

        if self.conductor is None or not self.conductor.running:
            self.notify("Nothing is running, so there is nothing to abort.")
            return

        def aborted(reason: str | None) -> None:
            if reason and then_quit:
                self.abort_then_quit(reason)
            elif reason:
                self.abort(reason)

        self.push_screen(
            TextPrompt(
                "Abort the running step",
                "Running commands are signalled; hosts not started will not start."
                " Say why: it goes into the record.",
                "Abort reason",
                required=True,
                danger=True,
            ),
            aborted,
        )


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
