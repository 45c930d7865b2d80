"""Follow: a live, read-only view of an incident that another console is driving.

The view is built from the journal alone (the steps come from `incident.opened`), so it
needs neither the writer's configuration nor SSH. It tails the journal and folds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from pathlib import Path
from typing import NoReturn

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import Input

from console.engine.errors import ProcedureError, StaleLock
from console.journal.event_log import EventLog
from console.journal.files import OUTPUT_NAME, JournalError, journal_path
from console.journal.left_open import LastDriver
from console.journal.tail import JournalTail, Placed
from console.journal.writer_lock import WriterLock
from console.model.clock import Clock, SystemClock
from console.model.events import Event, Kind
from console.model.inventory import Host, Inventory, SshDefaults, System
from console.model.payloads import IncidentOpened, LockAcquired
from console.model.payloads.incident import PlannedStep
from console.model.payloads.steps import StepData
from console.model.planned_steps import step_from_plan
from console.model.procedure import Phase, PhaseSteps, Procedure, Step, StepKind
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState, StepStatus, fold
from console.model.step_state import ad_hoc_only
from console.model.visible import visible
from console.ui.incident_app import FLUSH_SECONDS, IncidentApp
from console.ui.incident_screens import looking_actions
from console.ui.messages import JournalChanged
from console.ui.running_now import RunningNow

POLL_SECONDS = 0.2
# Actions that only look: moving between screens (and back), help, quitting; and the screens' own
# (filtering, previewing...: their `looks` in the screen table).
SAFE_ACTIONS = (
    frozenset(
        {
            "go",
            "back",
            "help",
            "quit",
            "help_quit",
            "command_palette",
            "focus_next",
            "focus_previous",
            "maximize",
            "minimize",
        }
    )
    | looking_actions()
)
STEP_EVENTS = (Kind.STEP_STARTED, Kind.STEP_CONFIRMED, Kind.STEP_COMPLETED, Kind.STEP_SKIPPED)


class ReadOnly(ProcedureError):
    """Raised by anything that would change a followed incident."""


def _procedure_steps(events: list[Event]) -> tuple[str, list[PlannedStep]]:
    """The procedure's name and steps, from `incident.opened` or else from step events."""
    opened = next((e.data for e in events if isinstance(e.data, IncidentOpened)), None)
    name = (opened.procedure or "Rollback procedure") if opened else "Rollback"
    if opened and opened.steps:
        return name, list(opened.steps)
    seen: dict[str, PlannedStep] = {}
    for e in events:
        step, data = e.where.step, e.data
        if (
            e.kind in STEP_EVENTS
            and step
            and isinstance(data, StepData)
            and data.phase in set(Phase)
        ):
            kind = "manual" if e.kind == Kind.STEP_CONFIRMED else "command"
            seen.setdefault(
                step, {"id": step, "title": data.title or step, "kind": kind, "phase": data.phase}
            )
    return name, list(seen.values())


def journal_settings(events: list[Event]) -> Settings:
    """Just enough Settings for the screens, built from the journal: steps and hosts."""
    name, steps = _procedure_steps(events)
    by_phase: dict[Phase, list[Step]] = {phase: [] for phase in Phase}
    for s in steps:
        by_phase[Phase(s["phase"])].append(step_from_plan(s))
    phases = [PhaseSteps(phase=p, steps=by_phase[p]) for p in Phase]
    systems: dict[str, list[Host]] = {}
    state = fold(events)
    for host, system in state.hosts.items():
        systems.setdefault(system, []).append(Host(name=host))
    # Each system lists the strategies the incident ran: one for all of them (the picker
    # offers those that every selected system lists), and those steps name of their own.
    ran = [*dict.fromkeys(s for s in (state.strategy, *state.named_strategies.values()) if s)]
    inventory = Inventory(
        ssh=SshDefaults(),
        systems=[System(name=n, hosts=hs, strategies=ran) for n, hs in systems.items()],
    )
    return Settings(
        inventory=inventory,
        procedure=Procedure(name=name, phases=phases),
        strategies=[],
    )


class FollowedJournal:
    """The journal as a follower sees it: the events so far, their fold, and listeners."""

    def __init__(self, path: Path, events: Iterable[Placed]):
        """`events`: each with where its line starts in the output file (JournalTail):
        the output is read back from there, not held (event_log.py)."""
        self.path = path
        self.events = EventLog(path.with_name(OUTPUT_NAME))
        self.state = IncidentState()
        self.driver = LastDriver(path.parent)  # who drives it, and how that one ended
        self.lock = self.driver.lock
        for event, offset in events:
            self.events.append(event, offset)
            self.state.apply(event)
            self.driver.feed(event)
        self._listeners: list[Callable[[Event], None]] = []

    def subscribe(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def feed(self, events: Iterable[Placed]) -> None:
        for event, offset in events:
            self.events.append(event, offset)
            self.state.apply(event)
            self.driver.feed(event)
            for listener in list(self._listeners):
                listener(event)

    def close(self) -> None:
        """Nothing to release: the follower never holds the file open."""


class FollowedIncident:
    """An `IncidentView` read from the journal: every change refused (ReadOnly)."""

    lock_takeover_reason: str | None = None

    def __init__(self, settings: Settings, journal: FollowedJournal):
        self.settings = settings
        self.recorder = journal
        self.order = [s.id for s in settings.procedure.steps]

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    @property
    def running(self) -> frozenset[str]:
        """The steps the writer is running: those the journal says run, while it lives,
        but not one a console before it left running (it died, or detached)."""
        if self.recorder.lock.gone():
            return frozenset()
        return frozenset(
            s
            for s, st in self.state.steps.items()
            if st.status is StepStatus.RUNNING and not st.cut_short
        )

    def step(self, step_id: str) -> Step:
        if step_id in self.order:
            return self.settings.procedure.step(step_id)
        title = next(
            (
                e.data.title
                for e in self.recorder.events.actions
                if e.where.step == step_id and isinstance(e.data, StepData)
            ),
            None,
        )
        return Step(id=step_id, title=title or step_id, kind=StepKind.COMMAND)

    def current(self) -> Step | None:
        step_id = self.state.current_step(self.order)
        return self.step(step_id) if step_id else None

    def failed_hosts(self, step_id: str) -> list[str]:
        bad = (HostStatus.FAILED, HostStatus.ABORTED)
        return [h for h, r in self.state.step(step_id).hosts.items() if r.status in bad]

    def masked(self, text: str) -> str:
        return text  # the journal holds it masked already

    def retrying(self, sent: int) -> str:
        """The writer's attempts are not journalled (its result says how many): a follower
        says when it was sent and who retries it, never "attempt 1" while it is on its
        third."""
        at = next((e.ts for e in reversed(self.recorder.events.actions) if e.seq == sent), None)
        when = f"sent {at.astimezone(UTC):%H:%M:%S} UTC; " if at else ""
        return f"{when}the console that sends it retries it"

    def preview(self, step_id: str) -> NoReturn:
        raise ReadOnly("read-only: the follow view has not the strategies to render commands")

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise ReadOnly(f"read-only: following {self.state.incident_id}; nothing can be changed")

    skip = note = star = set_field = complete_form = record_export = _refuse

    async def accept_host_key(self, host: str, fingerprint: str, via: str = "") -> bool:
        self._refuse()

    async def run_adhoc(self, command: str, hosts: list[str]) -> bool:
        self._refuse()


def driver_text(
    events: Sequence[Event],
    lock: WriterLock,
    left_open: str | None = None,
    closed: Event | None = None,
) -> str:
    """Who is driving: user@client of the latest event, and the lock it holds, if any;
    nobody, once the open incident's writer let go of it (`left_open`: how it ended), or
    once it was closed (`closed`: the close, who made it and when). Seen following a
    closed incident: 'driving: root · holds no lock (not executing)', as if root still
    drove it."""
    if not events:
        return "nobody yet"
    if closed is not None and lock.held is None:
        return f"nobody, closed by {_login(closed)} at {closed.ts.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    if left_open is not None and lock.held is None:
        return f"nobody now: {left_open}"
    text = _login(events[-1])
    if lock.held is None:
        return text + " · holds no lock (not executing)"
    systems = ", ".join(lock.held.payload(LockAcquired).systems) or "its systems"
    pid, host = lock.owner
    if lock.gone():
        return text + f" · GONE: pid {pid} on {host} exited holding the lock on {systems}"
    return text + f" · lock on {systems}: pid {pid} on {host}"


def _login(event: Event) -> str:
    """`user@client` of whoever recorded `event` (its user alone, without a client)."""
    who = event.who
    return f"{who.user}@{who.client}" if who.client else who.user


class FollowApp(IncidentApp):
    """The same screens over a journal another process writes; nothing can be changed.
    No engine, no SSH: the follow view never opens a connection."""

    read_only = True

    def __init__(self, path: Path, clock: Clock | None = None, poll_seconds: float = POLL_SECONDS):
        self.tail = JournalTail(path)
        first = self.tail.poll_placed()
        settings = journal_settings([event for event, _ in first])
        super().__init__(settings, clock or SystemClock(), dict(settings.console.keymap))
        self.poll_seconds = poll_seconds
        self.left_open: str | None = None  # how its writer ended, as said last
        self.unreadable = ""  # why its journal could no longer be read: it quit (exit 2)
        self.incident = FollowedIncident(settings, FollowedJournal(journal_path(path), first))

    def on_mount(self, event: events.Mount) -> None:
        self.set_interval(FLUSH_SECONDS, self.flush_events)
        self.set_interval(self.poll_seconds, self.poll)
        self.attach(self.incident)
        # An `exec`'s: its commands, not the procedure it never walked, all steps pending.
        self.push_screen("execution" if ad_hoc_only(self.incident.state.steps) else "checklist")

    def poll(self) -> None:
        """Read what the writer appended since the last poll and fold it in. Once it is
        open and nobody drives it, say how its writer ended and when its last event was,
        once for that writer; gone in the middle of a step, hosts it left running can only
        be unknown, and those its waves had not reached did not start: said too."""
        journal = self.incident.recorder
        try:
            journal.feed(self.tail.poll_placed())
        except JournalError as exc:  # replaced since (a link, a FIFO): said once it has quit
            self.unreadable = str(exc)
            self.exit(2)
            return
        state = journal.state
        ended = None if state.closed else journal.driver.ended(quit_too=True)
        if ended is None or ended == self.left_open:
            self.left_open = ended
            return
        self.left_open = ended
        if journal.lock.gone() and any(
            s.status is StepStatus.RUNNING for s in state.steps.values()
        ):
            state.settle()
            for screen in self.screen_stack:
                screen.post_message(JournalChanged([]))
            self.notify(
                f"The console driving this incident exited in the middle of a step: {ended}."
                " Hosts it was running on are unknown, hosts it had not reached did not start:"
                " resume the incident to verify them and go on.",
                title="Writer gone",
                severity="error",
                timeout=30,
            )
            return
        self.notify(
            f"Nobody drives this incident now: {ended}. Whoever carries it on resumes it.",
            title="Left open",
            severity="warning",
            timeout=30,
        )

    def allows(self, action: str) -> bool:
        return action in SAFE_ACTIONS

    def banner(self) -> Text:
        state = self.incident.state
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" READ-ONLY ", style="bold reverse")
        following = visible(str(state.incident_id or self.incident.recorder.path), one_line=True)
        line.append(f" following {following}")
        if state.outcome:
            label = state.outcome_label or state.outcome  # in words, as the checklist says it
            line.append(f" (closed: {visible(label, one_line=True)})", style="bold")
        line.append(" · every action is disabled", style="italic")
        line.append("\n driving: ")
        journal = self.incident.recorder
        left = closed = None
        if state.closed:  # the actions alone, held in memory: no output is read back
            actions = reversed(journal.events.actions)
            closed = next((e for e in actions if e.kind == Kind.INCIDENT_CLOSED), None)
        else:
            left = journal.driver.ended(quit_too=True)
        said = driver_text(journal.events, journal.lock, left, closed)
        line.append(visible(said, one_line=True), style="bold")
        return line

    def on_key(self, event: events.Key) -> None:
        """A key that would change the incident says why nothing happened: one of the
        incident's screens' keys, or the app's. Not a palette's or a dialog's keys, which
        are theirs, nor text typed into a field ("Next page" in the palette read as
        disabled while it paged; "v" typed in its search, as verifying)."""
        from console.ui.screens.base import IncidentScreen

        if event.is_printable and isinstance(self.focused, Input):
            return  # the field's text (a filter)
        screen = self.screen.BINDINGS if isinstance(self.screen, IncidentScreen) else []
        for binding in [*screen, *self.BINDINGS]:
            if not isinstance(binding, Binding) or event.key not in binding.key.split(","):
                continue
            if not self.allows(binding.action.split("(")[0]):
                self.notify(
                    f"Read-only: following {self.incident.state.incident_id}."
                    f" “{binding.description}” is disabled here.",
                    title="Read-only",
                    severity="warning",
                )
                return

    async def action_quit(self) -> None:
        """A follower leaves; the incident is someone else's."""
        self.exit(0)

    def action_help_quit(self) -> None:
        """Ctrl+C quits as Ctrl+Q and q do."""
        self.exit(0)

    def do_step(self, step_id: str) -> None:
        self._refused()

    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        self._refused()

    def undo_step(self, step_id: str) -> None:
        self._refused()

    def prompt_note(self, step_id: str | None = None, title: str | None = None) -> None:
        self._refused()

    def prompt_abort(self, then_quit: bool = False, shown: RunningNow | None = None) -> None:
        self._refused()

    def offer_lock_takeover(self, refusal: StaleLock, retry: Callable[[str], None]) -> None:
        self._refused()

    def action_close_incident(self) -> None:
        self._refused()

    def _refused(self) -> None:
        self.notify("Read-only: this view follows another console.", severity="warning")


def make_follow_app(path: Path, clock: Clock | None = None) -> FollowApp:
    """The follow view's factory, for the CLI and the tests."""
    return FollowApp(path, clock)
