"""`TerminalApp`: Textual's App as this console draws on a terminal and takes its keys,
whatever it shows: it opens in the console's theme, outlives a terminal that is gone,
sizes screens for the app's width, draws no screen hidden beneath an opaque one, takes
keys one at a time on the screen they reach, and says every toast as plain text.
`IncidentApp` (console/ui/incident_app.py) puts an incident's screens in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual import events
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.notifications import Notification, Notify, SeverityLevel
from textual.screen import Screen
from textual.theme import Theme

from console.model.visible import visible
from console.ui.fatal import end_in_one_line
from console.ui.held_toasts import HeldToasts
from console.ui.key_turns import KeysGoBehind, KeyTurns, keys_go
from console.ui.theme import ROLLBACK_THEME

if TYPE_CHECKING:
    from textual.driver import Driver

FUNCTION_KEY = re.compile(r"f\d{1,2}")


def _collect_from_now() -> None:
    """The first frame is drawn. The command line starts the console with the garbage
    collector off (`console.cli.console_app`): the ~120,000 objects of start-up live as
    long as the app, and collections among them while it imports cost ~15 % of the time
    to the first frame. They are parked (frozen) now, and collection resumes."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


class TerminalApp(App[int]):
    """The console's app on its terminal, before any incident (`IncidentApp` adds it)."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self._open_in(ROLLBACK_THEME)
        # Set once the first frame is drawn: what is not needed for it (asyncssh, which the
        # probes' first samples and the demo's servers import) waits for it.
        self.drawn = asyncio.Event()
        # Run at the first frame, before anything waiting for `drawn` (the demo fleet's
        # keys, which the probes' first connections read).
        self.at_first_frame: Callable[[], None] | None = None
        # Keys and pastes one at a time, each on the screen it reaches (ui/key_turns.py).
        self.key_turns = KeyTurns(self, super().on_event)
        self.held_toasts = HeldToasts()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but on Linux one that outlives its terminal (`ui/terminal.py`):
        a console whose SSH session dropped still records why it stopped."""
        driver = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if driver is LinuxDriver:
            from console.ui.terminal import TerminalDriver

            return TerminalDriver
        return driver

    def _open_in(self, theme: Theme) -> None:
        """Start in `theme` (a dark one) as Textual starts in its default: set before the
        stylesheet is first parsed, without the theme watcher, which parses all the CSS a
        second time (~3 % of the demo's first frame, bench/RESULTS.md). A theme picked
        later goes through the watcher as usual."""
        self.register_theme(theme)
        self.set_reactive(App.theme, theme.name)
        self.set_class(theme.dark, "-dark-mode", update=False)
        self.set_class(not theme.dark, "-light-mode", update=False)
        self.stylesheet.set_variables(self.get_css_variables())

    def breakpoint_class(self) -> str:
        """The HORIZONTAL_BREAKPOINTS class Textual gives a screen as wide as the app when
        it is first resized: a screen made with it is not styled all over again then (one
        pass over every widget, ~3 % of the demo's first frame, bench/RESULTS.md)."""
        width = self.size.width
        return next(n for least, n in sorted(self.HORIZONTAL_BREAKPOINTS)[::-1] if width >= least)

    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        """A frame goes out to the terminal (Textual writes none in a batch update); the
        top screen's first one is what the commander sees (`KeyTurns.displayed`)."""
        super()._display(screen, renderable)
        if renderable is not None and not self._batch_count and screen is self.screen:
            self.key_turns.displayed(screen)

    @property
    def _background_screens(self) -> list[Screen]:
        """The screens that show through the top one: none when it is opaque. Textual
        (8.2.8, pinned) always counts the screen beneath, and a screen beneath that is
        redrawn re-marks itself dirty at its every idle, each time redrawing the whole
        top screen: the home screen beneath the execution screen did so at each batch of
        journal events (~8 full redraws a second at 200 hosts streaming, bench/RESULTS.md).
        A screen hidden this way is brought up to date when it is shown again."""
        stack = self.screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens

    def on_keys_go_behind(self, message: KeysGoBehind) -> None:
        keys_go(message.screen)  # what held the keys behind it has been acted on

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.key_turns.arrived(event)  # Textual's routing, in its turn
        elif isinstance(event, events.Key) and self.key_turns.came_up_since(event):
            return  # back at the app, where its bindings run: a screen came up meanwhile
        else:
            await super().on_event(event)

    def _first_frame_drawn(self) -> None:
        _collect_from_now()
        if self.at_first_frame is not None:
            self.at_first_frame()
        self.drawn.set()

    def get_key_display(self, binding: Binding) -> str:
        """Keys as they are written on keyboards and in this program's words: `F2`, `^s`,
        `v` (a letter is shown in the case that works)."""
        shown = super().get_key_display(binding)
        return shown.upper() if FUNCTION_KEY.fullmatch(shown) else shown

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

    def lasting_toast(
        self, message: str, title: str, timeout: float, severity: SeverityLevel = "information"
    ) -> Notification:
        """A toast that says something under way, or what to do next: up until `withdraw`
        takes it back (or `timeout`, the longest it can last, has passed), plain text as
        every toast."""
        note = Notification(visible(message), visible(title), severity, timeout)
        self.post_message(Notify(note))
        return note

    def withdraw(self, note: Notification) -> None:
        """Take a toast back once what it said is over, wherever it is: up, held by a
        dialog opened since (shown again once it closes), or still on its way."""
        note.timeout = 0
        self._unnotify(note)

    _fatal_error = end_in_one_line  # Textual's prints the traceback, its locals too

    def _refresh_notifications(self) -> None:
        """Toasts up as a dialog opens wait until it closes (ui/held_toasts.py)."""
        with contextlib.suppress(ScreenStackError):
            self.held_toasts.sort(self, self.screen)
        super()._refresh_notifications()

    def action_command_palette(self) -> None:
        """Textual's, which asks only whether the top screen is a palette: a dialog a
        priority key opened over one (^t, ^q) made ^p push a second, and the console ended
        on their shared id. One is enough: it is there again when the screens above end."""
        if any(screen.has_class("--textual-command-palette") for screen in self.screen_stack):
            if not self.screen.has_class("--textual-command-palette"):
                self.notify("The palette is open beneath this screen: it is back when this ends.")
            return
        super().action_command_palette()
