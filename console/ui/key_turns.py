"""Keys one at a time, each on the screen it reaches: type-ahead across a screen push.

Textual's App forwards each key, as it arrives, to the focused widget's queue, and runs
a key's bindings only once the key has bubbled back up to the app. Keys typed in one
burst (a paste, a fast typist, a slow link that delivers them together) were all
forwarded to the old screen's widget before the first of them had opened its screen:
`n` then a note's text lost the text to the checklist, and `Enter y` on a step ran it on
its hosts with its confirmation never drawn (the `y`, forwarded to the checklist, was
then matched against the dialog's bindings).

`KeyTurns` gives each key (and paste) its turn. The next one is routed only once the
one before has been handled: a callback queued behind it follows it up the DOM, to the
widget that stopped it or to the app, whose bindings it has then run (an `n` has pushed
its prompt). It also waits for the screen on top to have been drawn since it came up.
Keys that arrived before that are the top screen's type-ahead: a screen that takes it
(`TAKES_TYPE_AHEAD = True`: a text prompt, the declaration, the form) gets them, in
order, as if typed there, but for the keys it refuses (the checklist's Enter, which
does a step); any other (every confirmation) drops them and says so. A key typed
before a question was on screen is never its answer, and never reaches the screen
underneath. A key typed once the screen's first frame went out to the terminal
(`displayed`) is typed at it: it waits for the screen to be drawn, then acts there.

A key's bindings are looked up once it has bubbled back to the app, on the screen on top
*then*. A screen that came up while a key was on its way (a wave's question, pushed by
the step's worker between two of the commander's y) would have taken that key as its
answer, undrawn: seen in tmux, y pressed in bursts through a strategy's waves on 100
real sshd hosts, a y typed on the execution screen answered the next wave's question
60 ms after it was asked, and the dialog, dismissed before its own mount ran, crashed the
console mid-wave (`NoMatches: '#no'`), a host's command cut with it. The app asks
`came_up_since` of each key reaching it: such a key is dropped, and said, as any key
typed before its screen was shown.

Slow typing is unchanged: each key finds the one before it handled and its screen drawn.

A key can ask its screen for more than its widget does at once: Space on the picker's
systems brings the strategies that apply (mounted by the screen, behind the key), Tab then
moves to them. Such a key holds the next ones (`hold_keys`) until the screen has done it
(`keys_go`): seen in tmux, Space Tab End Space typed in one go on the picker sent End and
Space to the systems (the strategies not there yet), which took the system off again, and
the console crashed on the strategy list it was removing.

Each key is judged by when it was read from the terminal (Textual's driver stamps it in
its reading thread), not by when it reached the app. The keys of one read reach the app
one by one, each posted from that thread, and under load the thread can be held between
two of them while the app goes on: seen in CI (3 test processes on 2 cores), `Enter y`
written at once by tmux, the y reached the app after the Enter had opened the run's
confirmation and its first frame had gone out, was taken as typed at it, and the step
ran on 3 hosts with its question never read.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.message import Message
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.message_pump import MessagePump
    from textual.timer import Timer

Typed = events.Key | events.Paste

# Bounds, so the keyboard never stays held: a key that has not come back in this time
# (its widget's handler still busy) lets the next one go, as Textual alone would; a
# screen not drawn in this time is taken as drawn (its type-ahead is still its own).
STUCK_SECONDS = 5.0
CHECK_SECONDS = 0.1


def hold_keys(node: DOMNode) -> None:
    """The keys after the one being handled wait until `node`'s screen has acted on what
    it asked of it (`keys_go`), for STUCK_SECONDS at most."""
    screen = node.screen
    screen.settling = getattr(screen, "settling", 0) + 1  # type: ignore[attr-defined]


def keys_go(screen: Screen) -> None:
    """`screen` has acted on what a key held by `hold_keys` asked: the next keys may go."""
    screen.settling = max(0, getattr(screen, "settling", 0) - 1)  # type: ignore[attr-defined]
    app = screen.app
    if isinstance(turns := getattr(app, "key_turns", None), KeyTurns):
        app.call_later(turns.pump)


@dataclass
class KeysGoBehind(Message):
    """Posted behind what a key's widget posted for its screen to act on (`keys_go_behind`):
    once it has bubbled to the app (TerminalApp), the screen has acted on it."""

    screen: Screen


def keys_go_behind(node: DOMNode) -> None:
    """The keys held by `hold_keys(node)` go once what `node` has posted so far has bubbled
    to the app: its screen has acted on it (an Input's Submitted, which opens a screen)."""
    node.post_message(KeysGoBehind(node.screen))


def takes_type_ahead(screen: Screen, key: str) -> bool:
    """Whether `screen` gets `key` typed before it was drawn (else it is dropped): a
    screen that takes type-ahead may still refuse some keys (`REFUSES_TYPE_AHEAD`)."""
    refused: frozenset[str] = getattr(screen, "REFUSES_TYPE_AHEAD", frozenset())
    return bool(getattr(screen, "TAKES_TYPE_AHEAD", False)) and key not in refused


@dataclass
class _Waiting:
    event: Typed
    shown: int  # screens shown when it was read (-1: before the top one came up)
    drawn: bool  # the top screen had been drawn, or its first frame had gone out, then


class KeyTurns:
    """The app's keys and pastes, routed one at a time (see the module's docstring).
    `route` is Textual's own routing (App.on_event); the app hands each key and paste to
    `arrived`, and calls `start` once it is running."""

    def __init__(self, app: App, route: Callable[[events.Event], Awaitable[None]]):
        self.app = app
        self._route_now = route
        self._waiting: deque[_Waiting] = deque()
        self._turn = 0  # the number of the key on its way, which its callbacks carry
        self._out: MessagePump | None = None  # where the key on its way went
        self._out_at = 0.0  # monotonic time it went
        self._shown_at = 0.0  # monotonic time the top screen came up
        self._seen_from = 0.0  # and its first frame went out, or it was drawn
        self._shown = 0  # screens shown so far
        self._undrawn: Screen | None = None  # the top screen, until it has been drawn
        self._dropped: list[str] = []
        self._check: Timer | None = None
        # The key routed last, and the screens shown when it was: its bindings are the
        # screen's that was on top then, or none.
        self._on_way: tuple[Typed, int] | None = None
        self._settling_since = 0.0  # monotonic time the top screen was first seen settling

    def start(self) -> None:
        self.app.screen_change_signal.subscribe(self.app, self._screen_changed, immediate=True)

    @property
    def idle(self) -> bool:
        """Nothing waits: no key on its way, none waiting, the top screen drawn and not
        acting on a key still (`hold_keys`)."""
        return self._out is None and self._undrawn is None and not self._waiting and self._settled

    @property
    def _settled(self) -> bool:
        """The top screen has acted on every key that held the next ones (`hold_keys`)."""
        stack = self.app.screen_stack
        if not stack or not getattr(stack[-1], "settling", 0):
            self._settling_since = 0.0
            return True
        now = time.monotonic()
        self._settling_since = self._settling_since or now
        if now - self._settling_since > STUCK_SECONDS:  # never held for good
            stack[-1].settling = 0  # type: ignore[attr-defined]
            return True
        return False

    async def arrived(self, event: Typed) -> None:
        """A key or paste from the terminal: routed now, or in its turn. What it was typed
        at is told by when the driver's thread read it from the terminal (`event.time`),
        not by when it reached the app (the module's docstring says why)."""
        read = event.time
        shown = self._shown if read >= self._shown_at else -1  # read before the top came up
        waiting = _Waiting(event, shown, read >= self._seen_from)
        if self.idle:
            await self._route(waiting)
            self._say_dropped()
            return
        self._waiting.append(waiting)
        self._watch()

    def _follow(self, node: MessagePump, event: Typed, turn: int) -> None:
        """On `node`'s task, once it has handled `event`: where the key went on to (its
        parent, which it bubbled to), the marker follows; where it stopped (a widget took
        it), or once it has reached the app, the next key may go, after it."""
        if turn != self._turn:
            return
        parent = node._parent
        bubbled = not event._stop_propagation and node.is_parent_active and node.is_attached
        if parent is None or parent is self.app or not bubbled:
            followed = False  # stopped here, or on to the app: the next goes behind it
        else:
            followed = parent.call_later(self._follow, parent, event, turn)
        if not followed:
            self.app.call_later(self._released, turn)

    def _released(self, turn: int) -> None:
        """On the app's task, behind the key: it has been handled, its bindings too. The
        next key goes behind what those bindings queued on the app: a `focus()` moves the
        focus only then (seen: `/skip` typed at once on the timeline, `/` focusing its
        filter, sent the s to the event list, where s stars an event: it filtered 'kip')."""
        if turn == self._turn and self._out is not None:
            self._out = None
            self.app.call_later(self.pump)

    def _screen_changed(self, screen: Screen) -> None:
        self._shown += 1
        self._undrawn = screen
        self._shown_at = time.monotonic()
        self._seen_from = math.inf
        screen.call_after_refresh(self._drawn, screen, self._shown)
        self._watch()

    def displayed(self, screen: Screen) -> None:
        """A frame of `screen`, on top, went out to the terminal. Its first one is what the
        commander sees: a key read after it is typed at it, and is routed once the
        screen has been drawn (`_drawn`, after its refresh's callbacks), never dropped as
        typed ahead. Seen in tmux, at 80x24 over 100 real sshd hosts: Enter pressed once
        the checklist stood on the terminal was dropped, 'Keys not used', the refresh's
        callbacks not yet run; under load (a jump host at load 30), one Enter in five at a
        dialog."""
        if screen is self._undrawn:
            self._seen_from = min(self._seen_from, time.monotonic())

    def _drawn(self, screen: Screen, shown: int) -> None:
        """Called on the screen's task, after its first refresh: the keys waiting are
        routed on the app's, in their order among the keys arriving."""
        if shown == self._shown and self._undrawn is screen:
            self._undrawn = None
            self._seen_from = min(self._seen_from, time.monotonic())
            self.app.call_later(self.pump)

    def came_up_since(self, event: events.Key) -> bool:
        """Whether a screen came up (or went) since `event`, reaching the app now, was
        routed: its bindings would be that screen's, which it was never typed at. Such a
        key is dropped, and said (see the module's docstring)."""
        on_way = self._on_way
        if on_way is None or on_way[0] is not event or on_way[1] == self._shown:
            return False
        self._on_way = None
        self._dropped.append(event.key)
        self.app.call_later(self._say_dropped)
        return True

    async def pump(self) -> None:
        """Route the keys waiting, as far as their turn has come."""
        while self._waiting and self._out is None and self._undrawn is None and self._settled:
            await self._route(self._waiting.popleft())
        self._say_dropped()

    def _say_dropped(self) -> None:
        if self._dropped:
            keys, self._dropped = " ".join(self._dropped), []
            if isinstance(self.app.screen, ModalScreen):  # one line, under its key line
                self.app.notify(f"Typed before it was shown, not used: {keys}", severity="warning")
                return
            self.app.notify(
                f"Typed before this screen was shown, so not used: {keys}. Read it, then"
                " press again.",
                title="Keys not used",
                severity="warning",
            )

    async def _route(self, waiting: _Waiting) -> None:
        app, event = self.app, waiting.event
        screen = app.screen
        typed_ahead = waiting.shown != self._shown or not waiting.drawn
        key = "paste" if isinstance(event, events.Paste) else event.key
        if typed_ahead and not takes_type_ahead(screen, key):
            self._dropped.append(key)
            return
        target: MessagePump = app.focused or screen
        self._on_way = (event, self._shown)
        await self._route_now(event)  # Textual's: priority bindings, else forwarded to target
        self._turn += 1
        if target.call_later(self._follow, target, event, self._turn):
            self._out = target
            self._out_at = time.monotonic()

    def _watch(self) -> None:
        if self._check is None:
            self._check = self.app.set_interval(CHECK_SECONDS, self._checked)

    async def _checked(self) -> None:
        """Never held for good: a key whose widget went away (its callback with it), or
        that has been on its way too long, lets the next go; so does a screen not drawn
        in time."""
        now = time.monotonic()
        out = self._out
        gone = out is not None and (not out.is_attached or out._closing or out._closed)
        if out is not None and (gone or now - self._out_at > STUCK_SECONDS):
            self._out = None
        if not self.app.screen_stack:  # the app is ending
            return
        undrawn = self._undrawn
        late = now - self._shown_at > STUCK_SECONDS
        if undrawn is not None and (late or undrawn is not self.app.screen):
            self._undrawn = None
            self._seen_from = min(self._seen_from, now)
        await self.pump()
        if self.idle and self._check is not None:
            self._check.stop()
            self._check = None
