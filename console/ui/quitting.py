"""Leaving the console: the same for Ctrl+Q, q and Ctrl+C. While a step runs, the
commander aborts it (with a reason) or detaches from it first, never leaves it silently;
an open incident or a declaration in progress asks once; the terminal is left with one
line saying where the incident stands and how to resume it."""

from __future__ import annotations

import asyncio
import contextlib
import shlex

from textual import work
from textual.screen import Screen
from textual.worker import WorkerError

from console.engine.errors import ProcedureError
from console.model.status import HostStatus
from console.ui.console_app import ConsoleApp

# How long an abort may take to settle the hosts before the console quits anyway
# (TERM, then KILL after its grace period, on every running command).
ABORT_SETTLE_SECONDS = 30.0


class QuitActions(ConsoleApp):
    """Mixed into the app: ctrl+q, q, ctrl+c."""

    async def action_quit(self) -> None:
        from console.ui.screens.dialogs import ConfirmDialog
        from console.ui.screens.quit import QuitDialog

        conductor = self.conductor
        if self.read_only:  # a follower leaves; the incident is someone else's
            self.exit(0)
            return
        if conductor is not None and conductor.running:
            steps = [
                f"“{conductor.step(s).title}”" if s in conductor.order else s
                for s in sorted(conductor.running)
            ]

            def chosen(choice: str | None) -> None:
                if choice == "abort":
                    self.prompt_abort(then_quit=True)
                elif choice == "detach":
                    self.detach_then_quit()

            self.push_screen(QuitDialog(steps, conductor.running_hosts()), chosen)
            return
        question = self.quit_question()
        if question is None:
            self.exit(0)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(ConfirmDialog("Quit?", question, yes="Quit"), confirmed)

    def action_help_quit(self) -> None:
        """Ctrl+C quits as Ctrl+Q and q do (inside a text field it copies)."""
        self.call_next(self.action_quit)

    def quit_question(self) -> str | None:
        """What quitting now would leave behind, as a question; None if nothing."""
        from console.ui.screens.picker import PickerScreen
        from console.ui.screens.trigger import TriggerScreen

        declaring = (TriggerScreen, PickerScreen)
        stack: list[Screen[object]] = list(self.screen_stack)
        if any(isinstance(s, declaring) for s in stack):
            return "The incident is not declared yet: what you chose and typed is not recorded."
        conductor = self.conductor
        if conductor is not None and not conductor.state.closed:
            return f"{conductor.state.incident_id} stays open; {self.how_to_resume()}."
        return None

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
        self.exit(0)  # the commander chose to quit; the summary line says what is left

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def detach_then_quit(self) -> None:
        """Leave the running commands be on their hosts (journalled), then quit."""
        if self.conductor is not None:
            await self.conductor.detach()
        self.exit(0)  # the commander chose to quit; the summary line says what is left

    def how_to_resume(self) -> str:
        assert self.conductor is not None
        path = self.conductor.recorder.path
        return f"resume with: rollback-console resume {shlex.quote(str(path))}"

    def summary(self) -> str:
        """One line, printed when the console has quit: the incident, how it stands, and
        how to take it up again."""
        conductor = self.conductor
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
