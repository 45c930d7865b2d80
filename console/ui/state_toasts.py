"""Toasts that say how something stands ("Step held ..."): each goes once what it says is
no longer true, up or held by a dialog. The held toast of a gradual re-enable came back as
`t` then `y` went on with the next stage, and stayed up over the stage running."""

from __future__ import annotations

from collections.abc import Callable

from textual.notifications import Notification


class StateToasts:
    """The toasts up that say a state, each with the test of whether it still holds."""

    def __init__(self) -> None:
        self._said: list[tuple[Notification, Callable[[], bool]]] = []

    def said(self, note: Notification, holds: Callable[[], bool]) -> None:
        """`note` says what `holds` tells is still so."""
        self._said.append((note, holds))

    def sweep(self, withdraw: Callable[[Notification], None]) -> None:
        """After the journal moved on: `withdraw` the toasts no longer true."""
        gone = [(note, holds) for note, holds in self._said if not holds()]
        for entry in gone:
            self._said.remove(entry)
            withdraw(entry[0])
