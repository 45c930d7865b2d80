"""One line on every screen while an automatic trigger counts down or waits for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import getters

from console.model.visible import visible
from console.ui.messages import WatchChanged
from console.ui.widgets.one_line import OneLine

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp


def watch_text(app: IncidentApp) -> Text | None:
    """`⏱ AUTO-ROLLBACK IN 12 s …` or `▲ PROPOSED …`, with the key that decides; None when
    nothing waits (or nothing watches: the follow view)."""
    live = app.live
    if live is None:
        return None
    key = app.key_label("watch.decide")
    countdown = live.countdown
    line = Text(no_wrap=True, overflow="ellipsis")
    if countdown is not None:
        remaining = countdown.remaining(live.watcher.clock)
        line.append(f" ⏱ AUTO-ROLLBACK IN {max(0, round(remaining))} s ", style="bold reverse")
        line.append(f" {key} ", style="bold")
        line.append("stops it · ")
        line.append(visible(countdown.firing.reason, one_line=True))
        return line
    proposal = live.proposal
    if proposal is None:
        return None
    more = len(live.waiting) - 1
    line.append(" ▲ PROPOSED ", style="bold reverse")
    line.append(f" {key} ", style="bold")
    line.append("decides" + (f" (+{more} more) · " if more else " · "))
    line.append(visible(proposal.firing.reason, one_line=True))
    return line


class WatchLine(OneLine):
    """Hidden unless a countdown runs or a proposal waits; the seconds tick every second."""

    if TYPE_CHECKING:
        app = getters.app(IncidentApp)

    DEFAULT_CSS = """
    WatchLine {
        height: 1;
        background: $error 30%;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
    }
    WatchLine.-countdown { background: $warning 40%; }
    """

    def on_mount(self) -> None:
        self.set_interval(1.0, self.sync)
        # At once, before the next frame: a dialog pushed or popped shows or hides it.
        self.app.screen_change_signal.subscribe(self, self._restack, immediate=True)
        self.sync()

    def _restack(self, _screen: object = None) -> None:
        """Shown only on the topmost screen that has one: a dialog over the checklist (the
        quit question) showed `▲ PROPOSED` on its top line and the screen's own beneath
        it, twice. Hidden, not gone: the screen beneath keeps its layout."""
        stack = self.app.screen_stack
        screen = self.screen
        above = stack[stack.index(screen) + 1 :] if screen in stack else []
        self.visible = not any(getattr(s, "SHOWS_WATCH_LINE", False) for s in above)

    def on_watch_changed(self, message: WatchChanged) -> None:
        self.sync()

    def sync(self) -> None:
        self._restack()
        text = watch_text(self.app)
        self.display = text is not None
        live = self.app.live
        self.set_class(live is not None and live.countdown is not None, "-countdown")
        if text is not None:
            self.update(text)
