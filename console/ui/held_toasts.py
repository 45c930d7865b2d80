"""Toasts never cover a dialog opened after them. At 80x24 a toast takes the right half
of the screen: the form's "Saved" toast, up as F7 opened the close dialog, hid half of
its outcome list and the reason that goes into the record. The toasts up when a dialog
opens are held until it closes, then shown again for their whole time, once: a toast
shown again that is still up as a later dialog opens is gone with it, never held again
(the "Resumed" toast came back after every dialog opened while it was up, each time for
its whole time again); those raised while a dialog is up are about it (keys not used, an
error) and are shown over it."""

from __future__ import annotations

import time

from textual.app import App
from textual.notifications import Notification
from textual.screen import ModalScreen, Screen


class HeldToasts:
    """The toasts each open dialog holds back, in the order the dialogs opened."""

    def __init__(self) -> None:
        self._held: list[tuple[Screen, list[Notification]]] = []
        self._shown_again: set[str] = set()  # the identities of those held once already

    def sort(self, app: App, screen: Screen) -> None:
        """Before the toasts are drawn on `screen`, the app's current one: release what
        closed dialogs held, and hold what is up as a dialog is first shown."""
        stack = app.screen_stack
        for entry in [e for e in self._held if e[0] not in stack]:
            self._held.remove(entry)
            now = time.time()
            for notification in entry[1]:
                notification.raised_at = now  # its whole time, now that it can be read
                app._notifications.add(notification)
                self._shown_again.add(notification.identity)
        if isinstance(screen, ModalScreen) and all(s is not screen for s, _ in self._held):
            up = list(app._notifications)
            self._held.append((screen, [n for n in up if n.identity not in self._shown_again]))
            app._notifications.clear()
            self._shown_again.intersection_update(n.identity for n in up)  # those gone: forgotten
