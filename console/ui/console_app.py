"""`ConsoleApp`: what the app's mixins (lifecycle, steps, resume, quitting) may use of
the app they are mixed into, for the type checker; at run time it is `object`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.worker import Worker

    from console.engine.conductor import Conductor
    from console.engine.session import Engine
    from console.model.clock import Clock
    from console.model.settings import Settings
    from console.ui.live import LiveWatch

    class ConsoleApp(App[int]):
        settings: Settings
        engine: Engine
        clock: Clock
        conductor: Conductor | None
        live: LiveWatch
        exec_step: str | None
        next_incident_id: str | None
        draft: tuple[str | None, str] | None
        read_only: bool

        def attach(self, conductor: Conductor) -> None: ...
        def to_home(self) -> None: ...
        def key_label(self, binding_id: str) -> str: ...
        def action_go(self, name: str) -> None: ...
        def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None: ...
        def offer_lock_takeover(self, refusal: str, retry: Callable[[str], None]) -> None: ...
        def prompt_abort(self, then_quit: bool = False) -> None: ...
        def abort_then_quit(self, reason: str) -> Worker[None]: ...
        def _flush_events(self) -> None: ...

else:
    ConsoleApp = object
