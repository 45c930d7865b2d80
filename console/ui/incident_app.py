"""`IncidentApp`: the app the incident's screens live in, live or followed.

It holds the incident (an `IncidentView`), installs its screens from the screen table,
pumps the journal's events to them once a frame, and says which actions may run. The
console (`app.RollbackApp`) adds the engine and the commander's actions; the follow view
(`follow.FollowApp`) adds the journal's tail and refuses every change. How the app draws
on its terminal and takes keys, whatever it shows, is `terminal_app.TerminalApp`'s. Neither
the engine nor SSH is needed here.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from console.journal.describe import describe
from console.model.clock import Clock
from console.model.event_kinds import Kind
from console.model.events import Event
from console.model.settings import Settings
from console.ui.collector import Collector
from console.ui.incident_screens import SCREENS, screen_classes
from console.ui.messages import JournalChanged
from console.ui.state_toasts import StateToasts
from console.ui.terminal_app import TerminalApp

if TYPE_CHECKING:
    from console.engine.errors import StaleLock
    from console.ui.incident_view import IncidentView
    from console.ui.live import LiveWatch
    from console.ui.running_now import RunningNow

FLUSH_SECONDS = 1 / 30


def _undelivered_unasked(event: Event) -> bool:
    """A notification nobody pressed a key for (a repeat, a page) that was not delivered."""
    if event.kind != Kind.NOTIFICATION_RESULT:
        return False
    from console.model.payloads import NotificationResult  # its family: loaded to read it

    result = event.data
    if not isinstance(result, NotificationResult) or result.ok:
        return False
    return bool(result.repeat) or event.where.step is None


class IncidentApp(TerminalApp):
    """An incident's screens over its journal; what may run is the subclass's to say."""

    CSS_PATH = "app.tcss"
    TITLE = "rollback-console"
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        *(row.binding() for row in SCREENS),
        Binding("f7", "close_incident", "Close incident…", id="incident.close"),
        Binding("ctrl+t", "decide_proposal", "Trigger…", id="watch.decide", priority=True),
        # V and R too: the printed lines and the docs name them so (`then V`, **V**).
        Binding("v,V", "verify_unknown", "Verify unknown", id="resume.verify"),
        Binding("r,R", "retry_unknown", "Retry unknown", id="resume.retry"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("q", "quit", "Quit", id="quit.q", show=False),
    ]
    read_only = False
    # The live watch (probes, firings, countdowns): the console's; a follower has none.
    live: LiveWatch | None = None

    def __init__(self, settings: Settings, clock: Clock, keymap: dict[str, str]):
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.keymap = keymap
        self.conductor: IncidentView | None = None
        self.exec_step: str | None = None  # the step the execution screen shows
        self._pending: list[Event] = []
        self.collector = Collector()
        self.state_toasts = StateToasts()  # toasts that go once what they say is over
        self._unsubscribe: Callable[[], None] | None = None

    def on_mount(self, event: events.Mount) -> None:  # the subclasses' run too (Textual)
        self.key_turns.start()
        self.collector.start()
        self.call_after_refresh(self._first_frame_drawn)

    def on_unmount(self) -> None:
        self.collector.stop()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None

    def key_label(self, binding_id: str) -> str:
        """How the key of binding `binding_id` is shown (e.g. `v`, `^s`, `f7`): hints
        on screen names keys through this, so they name the key that works."""
        from console.ui.keys import binding, key_of

        declared = binding(binding_id)
        return self.get_key_display(
            Binding(key_of(binding_id, self.keymap), declared.action, key_display=None)
        )

    # -- events from the journal, coalesced ------------------------------------

    def _on_event(self, event: Event) -> None:
        """Called synchronously by the journal: only buffer here."""
        self._pending.append(event)

    def flush_events(self) -> None:
        """Tell every screen what the journal recorded since the last call (once a frame),
        and collect what is due (`collector`): a turn of the loop between two frames."""
        self.collector.tick()
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        for event in batch:  # a periodic update or a page that did not go out: say so
            if _undelivered_unasked(event):
                self.notify(describe(event), title="Not delivered", severity="warning")
        for screen in self.screen_stack:
            screen.post_message(JournalChanged(batch))
        self.state_toasts.sweep(self.withdraw)

    # -- the incident ------------------------------------------------------------

    def attach(self, incident: IncidentView) -> None:
        """Make `incident` the open one and install its screens."""
        if self._unsubscribe:
            self._unsubscribe()
        for row in SCREENS:
            self.uninstall_screen(row.name)
        self.conductor = incident
        self.exec_step = None
        # The journal's events live as long as the incident: a resumed one can hold 100,000
        # of them, and a full GC pass over those stalled the UI for ~0.8 s. Park them.
        gc.freeze()
        self._unsubscribe = incident.recorder.subscribe(self._on_event)
        for name, screen_class in screen_classes():
            self.install_screen(self._sized(screen_class()), name)
        self.attached()
        from console.ui.keys import warm_up_keys

        self.call_after_refresh(warm_up_keys)

    def _sized(self, screen: Screen) -> Screen:
        """`screen` with the breakpoint class of the app's width (`breakpoint_class`): its
        first show does not restyle every widget of it to add the class (at the step's
        start, ~10 % of the execution screen's first show at 200 hosts, bench/RESULTS.md).
        A screen shown at another width is restyled then, as Textual does."""
        return screen.set_class(True, self.breakpoint_class(), update=False)

    def attached(self) -> None:
        """Called when an incident was attached and its screens installed."""

    def phase_title(self) -> str:
        if self.conductor is None:
            return ""
        step = self.conductor.current()
        if step is None:
            return "All steps finished"
        return self.settings.procedure.phase_of(step.id).label

    def banner(self) -> Text | None:
        """What the mode banner under the incident bar says, if anything."""
        return None

    def worker_failed(self, worker: Worker[object]) -> None:
        """A worker of this app or of a screen ended on an error it did not expect: said
        (console/ui/worker_errors.py), never kept in silence."""
        from console.ui.worker_errors import said_failed

        said_failed(self, worker)

    # -- actions -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go" and self.conductor is None:
            return None
        if action == "close_incident":
            conductor = self.conductor
            return conductor is not None and not conductor.state.closed and self.allows(action)
        return self.allows(action)

    def key_inputs(self) -> tuple[object, ...]:
        """What `check_action`'s answers hang on beyond the screen: the screens refresh
        their bindings when it changes (`IncidentScreen.follow_keys`)."""
        incident = self.conductor
        if incident is None:
            return (None,)
        return (incident.state.closed, incident.running)

    def allows(self, action: str) -> bool:
        """Whether `action` may run at all."""
        raise NotImplementedError

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

    # -- what the screens ask of the commander's console (the follow view refuses) --

    def do_step(self, step_id: str) -> None:
        """The one obvious action for a step: confirm, run, or open its form."""
        raise NotImplementedError

    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        """Run a step, asking first."""
        raise NotImplementedError

    def undo_step(self, step_id: str) -> None:
        """Undo a strategy step on the hosts it touched, asking first."""
        raise NotImplementedError

    def prompt_note(self, step_id: str | None = None, title: str | None = None) -> None:
        """Ask for a note (on `step_id`, titled `title`) and journal it."""
        raise NotImplementedError

    def prompt_abort(self, then_quit: bool = False, shown: RunningNow | None = None) -> None:
        """Ask why, then abort the running step or the incident."""
        raise NotImplementedError

    def action_close_incident(self) -> None:
        """Offer the close, with the outcome the record suggests."""
        raise NotImplementedError

    def offer_lock_takeover(self, refusal: StaleLock, retry: Callable[[str], None]) -> None:
        """Ask for a reason to take over a stale lock; `retry(reason)` tries again."""
        raise NotImplementedError
