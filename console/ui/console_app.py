"""`ConsoleApp`: what the app's mixins (lifecycle, steps, resume, quitting) may use of
the app they are mixed into, for the type checker; at run time it is `object`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.worker import Worker

    from console.engine.conductor import Conductor
    from console.engine.session import Engine
    from console.ui.incident_app import IncidentApp
    from console.ui.live import LiveWatch

    class ConsoleApp(IncidentApp):
        engine: Engine
        conductor: Conductor | None
        live: LiveWatch
        next_incident_id: str | None
        draft: tuple[str | None, str] | None

        def to_home(self) -> None: ...
        def abort_then_quit(self, reason: str) -> Worker[None]: ...

else:
    ConsoleApp = object
