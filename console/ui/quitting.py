"""Quitting the console: at once when nothing runs; while a step runs, the commander
aborts it (with a reason) or detaches from it first, never leaves it silently."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.worker import WorkerError

from console.engine.errors import ProcedureError

if TYPE_CHECKING:
    from console.engine.conductor import Conductor

    _App = App[int]
else:
    _App = object

# How long an abort may take to settle the hosts before the console quits anyway
# (TERM, then KILL after its grace period, on every running command).
ABORT_SETTLE_SECONDS = 30.0


class QuitActions(_App):
    """Mixed into the app: ctrl+q."""

    if TYPE_CHECKING:  # what the app provides
        conductor: Conductor | None

        def prompt_abort(self, then_quit: bool = False) -> None: ...

    async def action_quit(self) -> None:
        from console.ui.screens.quit import QuitDialog

        conductor = self.conductor
        if conductor is None or not conductor.running:
            self.exit(0)
            return
        steps = [
            f"“{conductor.step(s).title}”" if s in conductor.order else s
            for s in sorted(conductor.running)
        ]
        hosts = conductor.running_hosts()

        def chosen(choice: str | None) -> None:
            if choice == "abort":
                self.prompt_abort(then_quit=True)
            elif choice == "detach":
                self.detach_then_quit()

        self.push_screen(QuitDialog(steps, hosts), chosen)

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def abort_then_quit(self, reason: str) -> None:
        """Abort the running step, wait (bounded) for its hosts to settle, then quit."""
        if self.conductor is None:
            return
        try:
            await self.conductor.abort(reason)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not aborted", severity="error")
            return
        self.notify("Aborted: stopping the running commands, then quitting.", timeout=30)
        steps = [w for w in self.workers if w.group in ("step", "adhoc") and not w.is_finished]
        # A step that failed, or outlived the wait, does not keep the console open.
        with contextlib.suppress(TimeoutError, WorkerError):
            await asyncio.wait_for(asyncio.gather(*(w.wait() for w in steps)), ABORT_SETTLE_SECONDS)
        self.exit(1)

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def detach_then_quit(self) -> None:
        """Leave the running commands be on their hosts (journalled), then quit."""
        if self.conductor is not None:
            await self.conductor.detach()
        self.exit(1)
