"""Leaving the console: the same for Ctrl+Q, q and Ctrl+C. While a step runs, the
commander aborts it (with a reason) or detaches from it first, never leaves it silently;
an open incident or a declaration in progress asks once; the terminal is left with one
line saying where the incident stands and how to resume it."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from textual.screen import Screen
from textual.worker import WorkerError
from textual.worker_manager import WorkerManager

from console.engine.closing import TAKE_OVER, unknown_hosts
from console.engine.errors import ProcedureError, RunEnded
from console.model.drillfold import cut_short, faults_left
from console.model.invocation import again
from console.model.outcome import named
from console.ui.console_app import AppPart
from console.ui.parting_line import keys_left, parting_line
from console.ui.running_now import RunningNow, gone, running_now

if TYPE_CHECKING:
    from console.ui.lifecycle import Lifecycle
    from console.ui.screens.form import FormScreen
    from console.ui.screens.trigger import TriggerScreen

# How long an abort may take to settle the hosts before the console quits anyway
# (TERM, then KILL after its grace period, on every running command).
ABORT_SETTLE_SECONDS = 30.0


class QuitHost(AppPart, Protocol):
    """What leaving asks of the console app, beyond what every part may use."""

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...
    @property
    def workers(self) -> WorkerManager: ...

    @property
    def lifecycle(self) -> Lifecycle: ...

    def exit(self, result: int | None = None) -> None: ...
    def get_screen(self, screen: str) -> Screen[Any]: ...
    def key_label(self, binding_id: str) -> str: ...
    def call_later(self, callback: Callable[..., Any], *args: Any) -> bool: ...
    def prompt_abort(self, then_quit: bool = False, shown: RunningNow | None = None) -> None: ...


class Quitting:
    """The app's ctrl+q, q and ctrl+c, and the line printed once it has quit."""

    def __init__(self, app: QuitHost):
        self.app = app
        # Why the console was ended from outside (its terminal closed, a SIGTERM), if it was.
        self.ended_by: str | None = None
        # Whom command was handed over to, when a teammate asked for it (yielding.py).
        self.handed_to: str | None = None
        # Whether it quit in a new incident's declaration (the screens are gone by the time
        # its line is printed): then that line speaks of it.
        self.left_declaring = False
        # Whether an internal error ended it (`ended_by` says which, and where its traceback is).
        self.crashed = False

    def let_go(self) -> None:
        """Its incident let go of once the app has ended (cli/launch.py), saying how it
        ended: quit, ended from outside (`ended_by`), or on an internal error."""
        conductor = self.app.conductor
        if conductor is not None:
            ended = "the console ended" if self.crashed else "the console quit"
            conductor.let_go(ended, self.ended_by)

    def exit(self, status: int) -> None:
        """Quit with `status`, noting what was left for the line printed after, and the
        post-rollback form's text typed and not saved (the quit asked first said so)."""
        self._note_unsaved(self.ended_by or "the console quit")
        trigger = self.declaring()
        self.left_declaring = trigger is not None and trigger.into is None
        self.app.exit(status)

    async def quit(self, note: str = "") -> None:
        """Ask, if anything is left, then quit. `note`: why it is asked again (what the
        last dialog named ended first), said at the top of this one."""
        from console.ui.screens.dialogs import ConfirmDialog
        from console.ui.screens.quit import QuitDialog

        app, conductor = self.app, self.app.conductor
        if running_now(conductor) is not None:

            def now() -> RunningNow | None:
                return running_now(self.app.conductor)

            dialog = QuitDialog(now, drill=self.drilling, note=note)

            def chosen(choice: str | None) -> None:
                # What the dialog said at the key; if that ended (or more started beside
                # it), nothing is done to what runs now, which nobody was asked about.
                if choice in ("abort", "detach") and (why := gone(conductor, dialog.shown, choice)):
                    self.ask_again(why)
                elif choice == "abort":
                    app.prompt_abort(then_quit=True, shown=dialog.shown)
                elif choice == "detach":
                    self.detach_then_quit()
                elif choice == "ended":  # nothing runs now: the quit asked as it stands
                    self.ask_again(f"{dialog.shown.titles} ended.")

            app.push_screen(dialog, chosen)
            return
        question = self.question()
        if question is None and not note:
            self.exit(0)
            return
        asked = "\n\n".join(filter(None, (note, question or "Nothing is left open.")))

        drilling = self.drilling  # as asked: a drill that ends meanwhile is already judged

        def confirmed(yes: bool | None) -> None:
            if yes and drilling:  # as Ctrl+C headless: aborted, its faults undone, judged
                self.abort_then_quit("the console quit")
            elif yes:
                self.exit(0)

        app.push_screen(ConfirmDialog("Quit?", asked, yes="Quit"), confirmed)

    def ask_again(self, note: str) -> None:
        """Ask the quit again, as things stand now, saying why (`note`: what the last
        dialog named ended before the answer; nothing was done)."""
        self.app.call_later(self.quit, note)

    @property
    def drilling(self) -> bool:
        """A drill drives the open incident (awaiting its trigger, between its steps)."""
        return any(w.group == "drill" and not w.is_finished for w in self.app.workers)

    def declaring(self) -> TriggerScreen | None:
        """The trigger screen of a declaration nothing of which is recorded yet (its
        picker, if open, has not gone on), if the commander is in one; not the picker of
        another strategy for the open incident (b), which has none."""
        from console.ui.screens.picker import PickerScreen
        from console.ui.screens.trigger import TriggerScreen

        stack = self.app.screen_stack
        found = [n for n, s in enumerate(stack) if isinstance(s, TriggerScreen)]
        if not found:
            return None
        pickers = [s for s in stack[found[-1] + 1 :] if isinstance(s, PickerScreen)]
        if pickers and pickers[-1].declaration is None:
            return None  # it went on: the incident is recorded
        trigger = stack[found[-1]]
        assert isinstance(trigger, TriggerScreen)
        return trigger

    def question(self) -> str | None:
        """What quitting now would leave behind, as a question; None if nothing."""
        form = self._form()
        if form is None or not form.unsaved():
            return self._left_open()
        typed = (
            "The post-rollback form has text typed and not saved: quitting notes it in the"
            f" journal as typed ({self.app.key_label('form.save')} in the form saves it)."
        )
        return "\n\n".join(filter(None, (self._left_open(), typed)))

    def _left_open(self) -> str | None:
        """The declaration or the incident quitting would leave open, as a question."""
        if self.declaring() is not None:
            return (
                "The incident is not declared yet: what you chose and typed is not recorded"
                f"{keys_left(self.app.lifecycle.unrecorded_keys)}."
            )
        conductor = self.app.conductor
        if conductor is not None and not conductor.state.closed:
            # Its directory (resume takes it), on a line of its own: whole at 80 columns.
            path = shlex.quote(str(conductor.recorder.path.parent))
            unknown = unknown_hosts(conductor.state)
            held = (
                f"\n\nOutcome unknown on {named(unknown)}: its locks stay held ({TAKE_OVER})."
                if unknown and conductor.claim is not None
                else ""
            )
            left = faults_left(conductor.state) if cut_short(conductor.state) else []
            keeps = not unknown and conductor.claim is not None and not conductor.closing.fleet_gone
            faults = f"its fault {'; '.join(left)}"
            drill = (
                f"\n\nIts drill is not finished: quitting aborts it, and {faults} is undone first."
                if left and self.drilling
                else f"\n\nIts drill is not finished: {faults} stays in place, NOT UNDONE"
                + (f": its locks stay held ({TAKE_OVER})." if keeps else ".")
                if left
                else ""
            )
            return (
                f"{conductor.state.incident_id} stays open: resume it from the home screen"
                f" ({self.app.key_label('home.resume')}),"
                f" or with\n\n{again(f'resume {path}')}{held}{drill}"
            )
        return None

    def abort_then_quit(self, reason: str, runs: frozenset[int] | None = None) -> None:
        """Abort the running step (`runs`, if given: only while those run), wait (bounded)
        for its hosts to settle, then quit."""
        run = self._abort_then_quit(reason, runs)
        self.app.run_worker(run, group="quit", exclusive=True, exit_on_error=False)

    async def _abort_then_quit(self, reason: str, runs: frozenset[int] | None) -> None:
        app = self.app
        if app.conductor is None:
            return
        try:
            await app.conductor.abort(reason, runs)
        except RunEnded as exc:  # what was asked about ended first: asked again
            self.ask_again(f"{str(exc).capitalize()}.")
            return
        except ProcedureError as exc:
            app.notify(str(exc), title="Not aborted", severity="error")
            return
        app.notify("Aborted: stopping the running commands, then quitting.", timeout=30)
        await self._settled_then_exit(0)  # the commander chose to quit

    async def _settled_then_exit(self, status: int) -> None:
        """Wait (bounded) for the aborted steps' hosts to settle, then exit `status`; the
        summary line says what is left."""
        app = self.app
        # A drill's worker runs its steps, then (aborted too) its check, its faults' undo
        # and its verdict: quitting before those would leave its faults on the hosts.
        steps = [
            w for w in app.workers if w.group in ("step", "adhoc", "drill") and not w.is_finished
        ]
        # A step that failed, or outlived the wait, does not keep the console open.
        with contextlib.suppress(TimeoutError, WorkerError):
            await asyncio.wait_for(asyncio.gather(*(w.wait() for w in steps)), ABORT_SETTLE_SECONDS)
        self.exit(status)

    def detach_then_quit(self, why: str | None = None, status: int = 0) -> None:
        """Leave the running commands be on their hosts (journalled, with `why` when
        nobody chose it), then quit with `status`."""
        self.app.run_worker(
            self._detach_then_quit(why, status), group="quit", exclusive=True, exit_on_error=False
        )

    async def _detach_then_quit(self, why: str | None, status: int) -> None:
        if self.app.conductor is not None:
            await self.app.conductor.detach(why)
        self.exit(status)  # the summary line says what is left

    def end(self, why: str, status: int) -> None:
        """The console is ended from outside: its terminal closed (SIGHUP: the SSH session
        dropped, the window shut) or a SIGTERM. Nobody can be asked, so it does what D in
        the quit dialog does, never anything new: commands running run on to their end,
        hosts not reached yet are sent nothing and journalled not started, and `why` is
        journalled (`run.detached`; with nothing running, as the locks are released).
        The incident stays open, to resume. Exits `status` once every host is on record
        (bounded); an abort or a detach already under way finishes as it would."""
        if self.ended_by is not None:
            return  # a second signal: on the way out already
        self.ended_by = why
        self._note_unsaved(why)
        app, conductor = self.app, self.app.conductor
        if any(w.group == "quit" and not w.is_finished for w in app.workers):
            return  # the commander's abort or detach: it quits, bounded
        if conductor is None or not conductor.running:
            self.exit(status)
        elif conductor.runner.aborted:  # being aborted: its hosts settle as aborted
            app.run_worker(
                self._settled_then_exit(status), group="quit", exclusive=True, exit_on_error=False
            )
        else:
            self.detach_then_quit(why, status)

    def _form(self) -> FormScreen | None:
        """The incident's post-rollback form, if its screens are installed."""
        from console.ui.screens.form import FormScreen

        try:
            form = self.app.get_screen("form")  # installed with the incident's screens
        except KeyError:
            return None
        return form if isinstance(form, FormScreen) else None

    def _note_unsaved(self, why: str) -> None:
        """The post-rollback form typed and not saved goes into the record as a note, once:
        the console is ending (its terminal gone, or quit after being told); so does what
        is typed in a dialog left open (a note, a reason, the close's outcome), never
        accepted: seen, a note half typed when tmux was killed went with the console."""
        from console.ui.screens.dialogs import unanswered

        conductor, form = self.app.conductor, self._form()
        if conductor is None:
            return
        notes = unanswered(self.app.screen_stack, why)
        if form is not None and (typed := form.unsaved()):
            form.shown = form.typed()  # noted: not again at the exit
            said = f"the post-rollback form was not saved when the console ended ({why}): {typed}"
            notes.insert(0, said)
        for text in notes:
            with contextlib.suppress(ProcedureError):
                conductor.note(text)

    def summary(self) -> str:
        """The line printed when the console has quit (parting_line.py)."""
        return parting_line(self)
