"""What every incident screen shares: the incident bar, and syncing from the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, getters
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from console.model.state import HostStatus, StepState, StepStatus
from console.model.status import aborted_only
from console.ui.messages import JournalChanged, StepRunFinished, WatchChanged
from console.ui.widgets.incident_bar import IncidentBar
from console.ui.widgets.mode_banner import ModeBanner
from console.ui.widgets.one_line import OneLine
from console.ui.widgets.repeated_rows import RepeatedRows
from console.ui.widgets.watch_line import WatchLine

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp
    from console.ui.incident_view import IncidentView

_NOTHING = object()


def _same_room(static: Static, old: object, new: Text | str) -> bool:
    """Whether `new` takes exactly the room `old` took in `static`: one line each, within
    its width, and a width that does not follow its content (nor its height, for an
    empty line). Then an update redraws the widget alone; the layout pass of the whole
    screen took ~13 ms at 1,000 hosts, and the execution screen's counts change with
    every host that finishes."""
    width, height = static.styles.width, static.styles.height
    room = static.content_size.width
    if (width is not None and width.is_auto) or room <= 0:
        return False
    fixed = height is not None and not height.is_auto
    return all(
        isinstance(text, (str, Text)) and _one_line(text, room, fixed) for text in (old, new)
    )


def _one_line(text: Text | str, room: int, empty: bool) -> bool:
    """One line within `room`; an empty one counts if `empty` (a line of fixed height)."""
    plain = text.plain if isinstance(text, Text) else text
    return (bool(plain) or empty) and "\n" not in plain and cell_len(plain) <= room


class IncidentScreen(RepeatedRows, Screen):
    """A screen of the open incident; `sync()` redraws it from the journal's state."""

    TAB = ""
    BINDINGS = [Binding("escape", "back", "Back", id="incident.back")]
    # `self.app` typed as the app of incident screens, live or followed (textual's
    # getters.app), for the type checker only: at run time that module imports the screens.
    if TYPE_CHECKING:
        app = getters.app(IncidentApp)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._static_content: dict[Static | OneLine, Text | str] = {}
        self._banner: ModeBanner | None = None
        self._bar: IncidentBar | None = None
        self._sync_due = False  # a sync is queued behind this screen's waiting messages
        self._resumed = False  # shown at least once (its first show is when it mounts)
        self._echoes: Size | None = None  # its first layout's size, until a resize
        self._resized = False  # a Resize to another size came: no echoes any more
        self._keys_for: object = None  # what the footer's keys were last refreshed for

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of this screen that stopped on an error it did not expect: said."""
        if event.state is WorkerState.ERROR and event.worker.node is self:
            self.app.worker_failed(event.worker)

    @property
    def incident(self) -> IncidentView:
        """The open incident, live (the conductor) or followed."""
        incident = self.app.conductor
        assert incident is not None
        return incident

    def on_mount(self) -> None:
        bars = self.query(IncidentBar)
        self._bar = bars.first() if bars else None
        # Kept: a query of the screen for it, at every batch of events, cost more.
        self._banner = ModeBanner()
        if bars:
            self.mount(WatchLine(), self._banner, after=bars.first())
        else:
            self.mount(WatchLine(), self._banner, before=0)

    def on_watch_changed(self, message: WatchChanged) -> None:
        for line in self.query(WatchLine):
            line.sync()
        self.follow_keys()  # a proposal came or went: ^t with it

    def on_step_run_finished(self, message: StepRunFinished) -> None:
        """The step no longer runs, perhaps with no event after its last one."""
        self.sync_soon()

    def action_back(self) -> None:
        """Back one screen: from any incident screen to the checklist, from the checklist
        to what is beneath it (home); from the follow view's first screen, out of it (to the
        home screen that followed, or the shell), but in a browser (`serve`), where nothing
        is beneath it: seen, Esc there ended the watcher's session, its page left dead."""
        if self.TAB != "checklist":
            self.app.action_go("checklist")
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        elif self.app.read_only and self.app.is_web:
            self.app.notify(
                "This is the first screen: nothing to go back to. Close the tab to leave.",
                title="Back",
            )
        elif self.app.read_only:
            self.app.exit(0)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed:
            # Its first show: composed and styled as it mounted, a moment ago. Not again
            # (Textual restyles every widget of a resumed screen: ~10 % of the execution
            # screen's first show as a step starts at 200 hosts, bench/RESULTS.md).
            self._resumed = True
            event.refresh_styles = False
        self.sync()
        self._sync_banner()
        self.follow_keys()

    def on_resize(self, event: events.Resize) -> None:
        """A Resize to the size of the screen's first layout, which it has, with that
        width's breakpoint class (installed with it), is an echo of that layout: Textual's
        handler would lay it and the screens beneath out again, ~7 ms as a step starts at
        200 hosts (bench/RESULTS.md). Only until the terminal is resized: a resize has
        often laid the screen out at its new size before its Resize comes (the bar's
        clock), and Textual's handler is what then repaints the whole terminal, which the
        resize left scrambled (seen in tmux, 80x24 to 60x20 and back: the old lines
        stayed, the footer gone)."""
        if self._echoes is None:
            self._echoes = event.size
        self._resized = self._resized or event.size != self._echoes
        if self._resized:
            return
        app = self.app
        wanted = app.breakpoint_class()
        others = [name for _, name in app.HORIZONTAL_BREAKPOINTS if name != wanted]
        classed = self.has_class(wanted) and not any(self.has_class(name) for name in others)
        if event.size == self.size and classed:
            event.prevent_default()

    def on_journal_changed(self, message: JournalChanged) -> None:
        # The incident's own events (a trigger, a step's start or end, the close), not its
        # hosts' output: the bar says them now, not at its next second (seen at 80x24: a
        # drill's bar read 'awaits its trigger from the probes' over its running restore).
        if self._bar is not None and any(e.where.host is None for e in message.events):
            self._bar.refresh()
        self.sync_soon()

    def sync_soon(self) -> None:
        """Sync once, after the messages already waiting for this screen. Textual handles
        a screen's waiting messages in one go, and a screen that fell behind a busy loop
        found several batches (and its own timers) waiting: each synced in turn, two to
        nine syncs in one stall at 200 hosts streaming (bench/RESULTS.md)."""
        if not self._sync_due:
            self._sync_due = self.call_later(self._sync_now)

    def _sync_now(self) -> None:
        self._sync_due = False
        self.sync()
        self._sync_banner()
        self.follow_keys()

    def key_inputs(self) -> tuple[object, ...]:
        """What this screen's own answers about its keys hang on (`check_action`,
        `key_description`), as of its last sync."""
        return ()

    def follow_keys(self) -> None:
        """Textual's footer shows each key as `check_action` answered at the last
        `refresh_bindings`: refreshed whenever what those answers hang on (the app's and
        this screen's `key_inputs`) has changed, so no key is offered for what it would
        not do now, nor one left out that would. Comparing them is cheap; a refresh at
        every sync recomputed every binding of the screen each frame of a run."""
        inputs = (self.app.key_inputs(), self.key_inputs())
        if inputs != self._keys_for:
            self._keys_for = inputs
            self.refresh_bindings()

    def _sync_banner(self) -> None:
        if self._banner is not None and self._banner.is_mounted:
            self._banner.sync()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        first = self.TAB == "checklist" and len(self.app.screen_stack) <= 2
        if action == "back" and first and not self.app.read_only:
            return False  # nothing beneath it: not offered
        return self.app.allows(action)

    def shown_status(self, st: StepState) -> StepStatus | HostStatus:
        """A step the fold says is running but that nothing runs here (cut short by a
        crash, a detach, another console) reads unknown: never "running", never "failed";
        one the commander aborted (no host failed) reads aborted, not failed."""
        if st.status is StepStatus.FAILED:
            said = {r.status for r in st.hosts.values()}
            return HostStatus.ABORTED if aborted_only(said) else st.status
        if st.status is not StepStatus.RUNNING or st.id in self.incident.running:
            return st.status
        return HostStatus.UNKNOWN

    def sync(self) -> None:
        """Bring the screen up to date with the journal (called at most once a frame)."""

    def show(self, static: Static | OneLine, content: Text | str) -> None:
        """Update `static` only if `content` differs from what it shows: every update
        is a layout pass of the whole screen, and a flood of events calls sync() often."""
        old = self._static_content.get(static, _NOTHING)
        if old != content:
            self._static_content[static] = content
            if isinstance(static, OneLine):
                static.update(content)  # one line always: never a layout pass
            else:
                static.update(content, layout=not _same_room(static, old, content))
