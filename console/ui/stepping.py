"""Doing steps from the console: confirm, run (in a worker), report, take over a stale lock."""

from __future__ import annotations

from collections.abc import Callable

from textual import work

from console.engine.conductor import ProcedureError
from console.engine.errors import StaleLock
from console.engine.notifier import target_of
from console.journal.describe import describe
from console.model.events import Kind
from console.model.payloads import NotificationResult
from console.model.procedure import StepKind
from console.ui.console_app import ConsoleApp
from console.ui.messages import StepRunFinished


class StepRunning(ConsoleApp):
    """Mixed into the app: the one obvious action for each step, and running it."""

    def do_step(self, step_id: str) -> None:
        """The one obvious action for a step: confirm, run, or open its form."""
        conductor = self.conductor
        if conductor is None:
            return
        step = conductor.step(step_id)
        try:
            if step.kind is StepKind.MANUAL:
                if conductor.state.step(step_id).status.finished:
                    self.notify(f"“{step.title}” is already done.")
                    return
                conductor.confirm(step_id)
            elif step.kind is StepKind.FORM:
                from console.ui.screens.form import FormScreen

                form = self.get_screen("form")
                if isinstance(form, FormScreen):
                    form.open_at = step_id  # its first field gets the cursor
                self.action_go("form")
            else:
                self.start_run(step_id)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not done", severity="error")

    def start_run(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        """Run a step, asking first: a step that changes hosts shows what it sends and to
        how many (unless it says `confirm = false`); a status update shows its message,
        to edit. The commander's yes goes into the record."""
        from console.ui.screens.confirm_run import NotifyDialog, RunConfirm

        conductor = self.conductor
        assert conductor is not None
        if conductor.running:
            running = ", ".join(sorted(conductor.running))
            self.notify(
                f"A step is running ({running}). Wait for it, or abort it first.",
                title="Not started",
                severity="warning",
            )
            return
        step = conductor.step(step_id)
        who = conductor.state.commander or self.engine.actor.login
        if step.kind is StepKind.NOTIFY:
            default = conductor.notifier.compose(step).message
            targets = [target_of(c) for c in conductor.notifier.channels_of(step)]

            def send(message: str | None) -> None:
                if message is not None:
                    edited = message if message != default else None
                    self.run_step(step_id, only_hosts, edited, f"{who} (message shown)")

            self.push_screen(NotifyDialog(step.title, default, targets), send)
            return
        if not step.asks:
            self._go_run(step_id, only_hosts, "")
            return
        try:
            per_host = conductor.preview(step_id)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not started", severity="error")
            return
        if only_hosts is not None:
            per_host = {h: c for h, c in per_host.items() if h in only_hosts}
        if not per_host:
            self.notify("No host to run it on.", title="Not started")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                shown = f"{who} (command and {len(per_host)} host(s) shown)"
                self._go_run(step_id, only_hosts, shown)

        systems = sorted({conductor.state.hosts.get(h, "?") for h in per_host})
        self.push_screen(RunConfirm(step.title, systems, per_host), answered)

    def undo_step(self, step_id: str) -> None:
        """Undo a strategy step on the hosts it touched: its undo commands are shown per
        host first, and run on `y` (journalled as `<step>.undo`)."""
        from console.ui.screens.confirm_run import RunConfirm

        conductor = self.conductor
        if conductor is None:
            return
        step = conductor.step(step_id)
        if conductor.state.closed:
            self.notify(
                f"The incident is closed: undo “{step.title}” with"
                f" `rollback-console undo {conductor.recorder.path} {step_id}`.",
                title="Not undone",
                severity="warning",
            )
            return
        if conductor.running:
            self.notify("A step is running: wait for it, or abort it first.", title="Not undone")
            return
        try:
            per_host = conductor.preview_undo(step_id)
        except ProcedureError as exc:
            self.notify(str(exc), title="Nothing to undo", severity="warning")
            return
        if not per_host:
            self.notify(f"“{step.title}” touched no host yet: nothing to undo.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_undo(step_id)

        systems = sorted({conductor.state.hosts.get(h, "?") for h in per_host})
        self.push_screen(RunConfirm(f"Undo: {step.title}", systems, per_host), answered)

    @work(exclusive=True, group="step", exit_on_error=False)
    async def run_undo(self, step_id: str) -> None:
        assert self.conductor is not None
        title = self.conductor.step(step_id).title
        self.notify(f"Undoing “{title}”…", title="Undo", timeout=3)
        try:
            ok = await self.conductor.undo(step_id)
        except ProcedureError as exc:
            self.notify(str(exc), title="Not undone", severity="error")
            return
        undo = self.conductor.state.step(f"{step_id}.undo")
        if ok:
            self.notify(f"Undo of “{title}”: {undo.summary}.", title="Undone", timeout=6)
        else:
            self.notify(
                f"Undo of “{title}” did not succeed everywhere: {undo.summary}.",
                title="Undo failed",
                severity="error",
            )
        self.screen.post_message(StepRunFinished(step_id, ok))

    def _go_run(self, step_id: str, only_hosts: list[str] | None, confirmed: str) -> None:
        self.exec_step = step_id
        self.action_go("execution")
        self.run_step(step_id, only_hosts, None, confirmed)

    @work(exclusive=True, group="step", exit_on_error=False)
    async def run_step(
        self,
        step_id: str,
        only_hosts: list[str] | None = None,
        message: str | None = None,
        confirmed: str = "",
    ) -> None:
        assert self.conductor is not None
        try:
            ok = await self.conductor.run_step(step_id, only_hosts, message, confirmed)
        except StaleLock as exc:
            self.offer_lock_takeover(
                str(exc), lambda why: self._run_taking_over(why, step_id, only_hosts, confirmed)
            )
            return
        except ProcedureError as exc:
            self.notify(str(exc), title="Not started", severity="error")
            return
        self._flush_events()
        step = self.conductor.step(step_id)
        title = step.title
        if step.kind is StepKind.NOTIFY:
            self._notified(step_id, ok)
        elif ok:
            # The execution screen already says so; elsewhere a short toast tells.
            if self.screen is not self.get_screen("execution"):
                self.notify(f"“{title}” succeeded on every host.", title="Step done", timeout=3)
        else:
            retry = self.key_label("execution.retry")
            self.notify(
                f"“{title}” did not succeed everywhere. Retry failed hosts with {retry}, or skip.",
                title="Step failed",
                severity="error",
            )
        self.screen.post_message(StepRunFinished(step_id, ok))

    def _notified(self, step_id: str, ok: bool) -> None:
        """What each channel of a status update said, as one toast."""
        assert self.conductor is not None  # a step just ran in the open incident
        sent: list[str] = []
        undelivered = False
        for event in reversed(self.conductor.recorder.events):  # this attempt's results
            if event.where.step == step_id and event.kind == Kind.STEP_STARTED:
                break
            if event.where.step == step_id and isinstance(event.data, NotificationResult):
                sent.insert(0, describe(event))
                undelivered = undelivered or not event.data.ok
        if ok and undelivered:
            self.notify(
                "\n".join(sent), title="Status update: not every channel", severity="warning"
            )
        elif ok:
            self.notify("\n".join(sent) or "sent", title="Status update sent", timeout=6)
        else:
            self.notify(
                "\n".join(sent) or "not sent", title="Status update FAILED", severity="error"
            )

    def _run_taking_over(
        self, reason: str, step_id: str, only_hosts: list[str] | None, confirmed: str
    ) -> None:
        if self.conductor is not None:
            self.conductor.lock_takeover_reason = reason
            self.run_step(step_id, only_hosts, None, confirmed)

    def offer_lock_takeover(self, refusal: str, retry: Callable[[str], None]) -> None:
        """A stale lock (its process is gone) is taken over only with a journalled reason:
        `retry(reason)` tries again with it."""
        from console.ui.screens.dialogs import TextPrompt

        def take_over(reason: str | None) -> None:
            if reason:
                retry(reason)

        self.push_screen(
            TextPrompt(
                "Take over a stale lock?",
                f"{refusal}.\nWhy is it safe to take it over? The reason is journalled.",
                "e.g. the console that held it crashed; nobody else is rolling back",
                danger=True,
            ),
            take_over,
        )
