"""Aborting in the console: the running step (the incident stays open; a drill's ends,
judged and closed), or the whole incident (it closes as aborted); both ask why."""

from __future__ import annotations

from console.engine.closing import unknown_hosts
from console.engine.errors import ProcedureError
from console.model.outcome import Outcome
from console.model.procedure import StepKind
from console.ui.lifecycle import Lifecycle, LifecycleHost, known_left
from console.ui.running_now import RunningNow, gone, running_now


class Aborting:
    """The app's aborts: the step that runs, or the incident as a whole."""

    def __init__(self, app: LifecycleHost, lifecycle: Lifecycle):
        self.app = app
        self.lifecycle = lifecycle

    def prompt_abort(self, then_quit: bool = False, shown: RunningNow | None = None) -> None:
        """Abort the running step (the incident stays open; the console quits after, when
        quitting asked), or, with nothing running, the whole incident (it closes as
        aborted). Both need a reason. The prompt names what runs (`shown`: as the quit
        dialog said it), and the reason aborts that alone: if it ended meanwhile, nothing
        is aborted, it says so, and a quit is asked again."""
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.app.conductor
        if conductor is None:
            return
        if conductor.state.closed:
            self.app.notify(f"The incident is closed: {conductor.state.outcome_label}.")
            return
        asked = shown or running_now(conductor)
        if asked is None:
            self.prompt_abort_incident()
            return

        def aborted(reason: str | None) -> None:
            if reason and (why := gone(self.app.conductor, asked, "abort")):
                self.not_aborted(why, then_quit)
            elif reason and then_quit:
                self.app.quitting.abort_then_quit(reason, asked.runs)
            elif reason:
                self.abort(reason, asked.runs)

        # an ad-hoc command (e) runs commands too: its step is none of the procedure's
        kinds = {conductor.step(s).kind for s in conductor.running if s in conductor.order}
        stops = (
            "A status update being sent stops waiting (a channel not answered yet is"
            " recorded as not delivered: it may have arrived)."
            if kinds == {StepKind.NOTIFY}
            else "Running commands are signalled; hosts not started will not start."
        )
        where = f" on {', '.join(asked.hosts)}" if asked.hosts else ""
        self.app.push_screen(
            TextPrompt(
                f"Abort {asked.titles}",
                f"{asked.titles} runs{where}. {stops} {self._what_stays(then_quit)}"
                " Say why: it goes into the record.",
                "Abort reason",
                required=True,
                danger=True,
            ),
            aborted,
        )

    def not_aborted(self, why: str, then_quit: bool) -> None:
        """What the commander answered about ended first: nothing is aborted; a quit is
        asked again, saying so, else a toast says so."""
        if then_quit:
            self.app.quitting.ask_again(why)
        else:
            self.app.notify(why, title="Not aborted", severity="warning")

    def _what_stays(self, then_quit: bool) -> str:
        """What an aborted step leaves: the incident open; a drill's, ended (its worker
        goes on to undo its faults, judge it and close it: it said "stays open" of one)."""
        if self.app.quitting.drilling:
            then = ", then the console quits" if then_quit else ""
            return (
                "The drill ends: its faults are undone, it is judged FAILED (aborted, with"
                f" your reason) and closed as aborted{then}."
            )
        return (
            "The incident stays open (to abort it as a whole: the palette, or"
            f" {self.app.key_label('incident.close')} and “aborted”)."
        )

    def prompt_abort_incident(self) -> None:
        from console.ui.screens.dialogs import TextPrompt

        conductor = self.app.conductor
        if conductor is None or conductor.state.closed:
            self.app.notify("No open incident to abort.")
            return

        def aborted(reason: str | None) -> None:
            if reason:
                self.abort_incident(reason)

        if not conductor.running and unknown_hosts(conductor.state):
            self.abort_in_close_dialog()  # what stays held is said there, and asked again
            return
        running = " Running commands are stopped first." if conductor.running else ""
        self.app.push_screen(
            TextPrompt(
                f"Abort incident {conductor.state.incident_id}",
                f"The incident closes as aborted.{running} Say why: it goes into the record.",
                "Abort reason",
                required=True,
                danger=True,
            ),
            aborted,
        )

    def abort(self, reason: str, runs: frozenset[int] | None = None) -> None:
        """Abort the running step (`runs`, if given: only while those run), in a worker."""
        work = self._abort(reason, runs)
        self.app.run_worker(work, group="abort", exclusive=False, exit_on_error=False)

    async def _abort(self, reason: str, runs: frozenset[int] | None) -> None:
        assert self.app.conductor is not None
        try:
            await self.app.conductor.abort(reason, runs)
        except ProcedureError as exc:  # RunEnded: what was asked about ended first
            self.app.notify(str(exc), title="Not aborted", severity="error")

    def abort_incident(self, reason: str) -> None:
        """Abort the whole incident, in a worker: it closes as aborted."""
        work = self._abort_incident(reason)
        self.app.run_worker(work, group="abort", exclusive=False, exit_on_error=False)

    async def _abort_incident(self, reason: str) -> None:
        problem = await self.lifecycle.close_incident(Outcome.ABORTED, reason)
        conductor = self.app.conductor
        if problem and conductor and unknown_hosts(conductor.state):
            # Its steps stopped, some hosts' outcome is unknown: the close says what stays
            # held and asks again, the reason kept.
            self.abort_in_close_dialog(reason)
        elif problem:
            self.app.notify(problem, title="Not aborted", severity="error")

    def abort_in_close_dialog(self, reason: str = "") -> None:
        """The close dialog, “aborted” chosen (with `reason`): an abort while a host's
        outcome is unknown closes as a close does there, once confirmed."""
        from console.ui.screens.close import CloseDialog

        conductor = self.app.conductor
        assert conductor is not None
        self.app.push_screen(CloseDialog(Outcome.ABORTED, known_left(conductor), reason))
