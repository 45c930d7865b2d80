"""`AppPart`: what every collaborator of the console app (lifecycle, steps, resume,
quitting, drills) is given of the app: the open incident, toasts, screens and workers.
Each part's own protocol adds the little more it needs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.notifications import Notification, SeverityLevel
    from textual.screen import Screen
    from textual.worker import Worker

    from console.engine.conductor import Conductor


class AppPart(Protocol):
    """The app as its collaborators see it."""

    @property
    def conductor(self) -> Conductor | None: ...

    def notify(
        self,
        message: str,
        *,
        title: str = ...,
        severity: SeverityLevel = ...,
        timeout: float | None = ...,
        markup: bool = ...,
    ) -> None: ...
    def lasting_toast(
        self, message: str, title: str, timeout: float, severity: SeverityLevel = ...
    ) -> Notification: ...
    def withdraw(self, note: Notification) -> None: ...
    def push_screen(
        self, screen: Screen[Any] | str, callback: Callable[[Any], None] | None = None
    ) -> Any: ...
    async def push_screen_wait(self, screen: Screen[Any]) -> Any: ...
    def run_worker(
        self,
        work: Coroutine[Any, Any, None] | Callable[[], None],
        *,
        group: str,
        exclusive: bool,
        exit_on_error: bool,
        thread: bool = False,
    ) -> Worker[None]: ...
