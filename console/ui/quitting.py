"""Leaving the console: the same for Ctrl+Q, q and Ctrl+C. While a step runs, the
commander aborts it (with a reason) or detaches from it first, never leaves it silently;
an open incident or a declaration in progress asks once; the terminal is left with one
line saying where the incident stands and how to resume it."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from typing import Any, Protocol

from textual.screen import Screen
from textual.worker import WorkerError
from textual.worker_manager import WorkerManager

from console.engine.errors import ProcedureError
from console.model.status import HostStatus
from console.ui.console_app import AppPart

# How long an abort may take to settle the hosts before the console quits anyway
# (TERM, then KILL after its grace period, on every running command).
ABORT_SETTLE_SECONDS = 30.0


class QuitHost(AppPart, Protocol):
    """What leaving asks of the console app, beyond what every part may use."""

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    @property
    def workers(self) -> WorkerManager: ...

    def exit(self, result: int | None = None) -> None: ...
    def prompt_abort(self, then_quit: bool = False) -> None: ...


class Quitting:
    """The app's ctrl+q, q and ctrl+c, and the line printed once it has quit."""

    def __init__(self, app: QuitHost):
        self.app = app

    async def quit(self) -> None:
        from console.ui.screens.dialogs import ConfirmDialog
        from console.ui.screens.quit import QuitDialog

        app, conductor = self.app, self.app.conductor
        if conductor is not None and conductor.running:
            steps = [
                f"“{conductor.step(s).title}”" if s in conductor.order else s
                for s in sorted(conductor.running)
            ]

            def chosen(choice: str | None) -> None:
                if choice == "abort":
                    app.prompt_abort(then_quit=True)
                elif choice == "detach":
                    self.detach_then_quit()

            state = conductor.state
            waiting = [
                h for s in sorted(conductor.running) for h in state.step(s).targets
                if h not in state.step(s).hosts
            ]  # fmt: skip
            app.push_screen(QuitDialog(steps, conductor.running_hosts(), waiting), chosen)
            return
        question = self.question()
        if question is None:
            app.exit(0)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                app.exit(0)

        app.push_screen(ConfirmDialog("Quit?", question, yes="Quit"), confirmed)

    def question(self) -> str | None:
        """What quitting now would leave behind, as a question; None if nothing."""
        from console.ui.screens.picker import PickerScreen
        from console.ui.screens.trigger import TriggerScreen

        declaring = (TriggerScreen, PickerScreen)
        if any(isinstance(s, declaring) for s in self.app.screen_stack):
            return "The incident is not declared yet: what you chose and typed is not recorded."
        conductor = self.app.conductor
        if conductor is not None and not conductor.state.closed:
            # Its directory (resume takes it), on a line of its own: whole at 80 columns.
            path = shlex.quote(str(conductor.recorder.path.parent))
            return (
                f"{conductor.state.incident_id} stays open: resume it from the home screen (r),"
                f" or with\n\nrollback-console resume {path}"
            )
        return None

    def abort_then_quit(self, reason: str) -> None:
        """Abort the running step, wait (bounded) for its hosts to settle, then quit."""
        run = self._abort_then_quit(reason)
        self.app.run_worker(run, group="quit", exclusive=True, exit_on_error=False)

    async def _abort_then_quit(self, reason: str) -> None:
        app = self.app
        if app.conductor is None:
            return
        try:
            await app.conductor.abort(reason)
        except ProcedureError as exc:
            app.notify(str(exc), title="Not aborted", severity="error")
            return
        app.notify("Aborted: stopping the running commands, then quitting.", timeout=30)
        steps = [w for w in app.workers if w.group in ("step", "adhoc") and not w.is_finished]
        # A step that failed, or outlived the wait, does not keep the console open.
        with contextlib.suppress(TimeoutError, WorkerError):
            await asyncio.wait_for(asyncio.gather(*(w.wait() for w in steps)), ABORT_SETTLE_SECONDS)
        app.exit(0)  # the commander chose to quit; the summary line says what is left

    def detach_then_quit(self) -> None:
        """Leave the running commands be on their hosts (journalled), then quit."""
        self.app.run_worker(
            self._detach_then_quit(), group="quit", exclusive=True, exit_on_error=False
        )

    async def _detach_then_quit(self) -> None:
        if self.app.conductor is not None:
            await self.app.conductor.detach()
        self.app.exit(0)  # the commander chose to quit; the summary line says what is left

    def how_to_resume(self) -> str:
        assert self.app.conductor is not None
        path = self.app.conductor.recorder.path.parent  # its directory, as the dialog says
        return f"resume with: rollback-console resume {shlex.quote(str(path))}"

    def summary(self) -> str:
        """One line, printed when the console has quit: the incident, how it stands, and
        how to take it up again."""
        conductor = self.app.conductor
        if conductor is None:
            return "rollback-console: no incident was open"
        state = conductor.state
        if state.closed:
            return (
                f"{state.incident_id}: closed, {state.outcome_label};"
                f" to amend, {self.how_to_resume()}"
            )
        current = conductor.current()
        where = (
            f"step {conductor.order.index(current.id) + 1} of {len(conductor.order)}"
            f" ({current.title})"
            if current
            else "every step done, not closed"
        )
        in_flight = (HostStatus.RUNNING, HostStatus.UNKNOWN)
        unknown = sorted(
            {h for st in state.steps.values() for h, r in st.hosts.items() if r.status in in_flight}
        )
        verify = f"; verify {', '.join(unknown)} first" if unknown else ""
        return f"{state.incident_id}: open at {where}{verify}; {self.how_to_resume()}"
