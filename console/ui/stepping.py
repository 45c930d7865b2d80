"""Doing steps from the console: confirm, run (in a worker), report; undo."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.engine.config_drift import Drift
from console.engine.elsewhere import pass_over
from console.engine.errors import ProcedureError, StaleLock
from console.engine.plan import refuse_unknown
from console.engine.resolved import Resolved
from console.engine.resolving import pin, record_resolved
from console.model.invocation import again
from console.model.kinds import done_by
from console.model.procedure import StepKind
from console.model.step_state import undoes
from console.ui.between_waves import confirm_next
from console.ui.config_drift import ConfigSaid
from console.ui.lock_takeover import offer_lock_takeover
from console.ui.messages import StepRunFinished
from console.ui.notify_step import ask_to_send
from console.ui.out_of_order import ask_out_of_order, confirm_manual
from console.ui.resolve_first import resolve_first
from console.ui.step_host import StepHost
from console.ui.step_toasts import announce, announce_undo
from console.ui.undo_confirm import confirm_undo

if TYPE_CHECKING:
    from console.engine.steps import PerHost
    from console.model.set_aside import Aside
    from console.ui.screens.run_said import StrategySaid


class Stepping:
    """The app's steps: the one obvious action for each, running it (in a worker) and
    saying how it went; undo; taking over a stale lock."""

    def __init__(self, app: StepHost):
        self.app = app
        # Steps the commander took ahead of the checklist's order, asked first: their run
        # records it (the steps not done then), if they are still ahead of it as it starts.
        self.out_of_order: set[str] = set()
        # The configuration as read at start, against the incident's opening and its files
        # now (ui/config_drift.py).
        self.drift = ConfigSaid(Drift.of(app.drills.file))

    def do_step(self, step_id: str) -> None:
        """The one obvious action for a step: confirm, run, open its form, or skip it."""
        conductor = self.app.conductor
        if conductor is None:
            return
        step = conductor.step(step_id)
        try:
            if step.kind is StepKind.MANUAL:
                confirm_manual(self.app, conductor, step_id)
            elif step.kind is StepKind.FORM:
                from console.ui.screens.form import FormScreen

                form = self.app.get_screen("form")
                if isinstance(form, FormScreen):
                    form.open_at = step_id  # its first field gets the cursor
                self.app.action_go("form")
            elif (why := pass_over(conductor, step_id)) is not None:
                self.app.notify(f"“{step.title}”: skipped, {why}.", title="Skipped")
            else:
                ask_out_of_order(
                    self.app, conductor, step_id, functools.partial(self._take, step_id)
                )
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not done", severity="error")

    def _take(self, step_id: str, out_of_order: bool) -> None:
        """Run `step_id` once 'Out of order' was answered yes, or not asked."""
        if out_of_order:
            self.out_of_order.add(step_id)
        self.start_run(step_id)

    def start_run(
        self, step_id: str, only_hosts: list[str] | None = None, undone_seen: bool = False
    ) -> None:
        """Run a step, asking first (the yes recorded): after one undone it says so (it works
        on the state before the rollback); one that changes hosts shows what it sends and
        to how many (unless `confirm = false`); a status update its message, to edit."""
        conductor = self.app.conductor
        assert conductor is not None
        if (undone := undoes(step_id)) is not None:  # an undo runs again as an undo
            self.undo_step(undone, only_hosts)
            return
        if not undone_seen and self._after_undo(step_id, only_hosts):
            return
        if conductor.running:
            running = ", ".join(sorted(conductor.running))
            self.app.notify(
                f"A step is running ({running}). Wait for it, or abort it first.",
                title="Not started",
                severity="warning",
            )
            return
        step = conductor.step(step_id)
        try:  # before its confirmation: the run would be refused after it
            refuse_unknown(conductor.state.step(step_id).unknown(), step.title, only_hosts)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not started", severity="error")
            return
        who = conductor.state.commander or self.app.engine.actor.login
        if step.kind is StepKind.NOTIFY:
            ask_to_send(self, step_id, only_hosts, who)
            return
        if not step.asks:
            self._go_run(step_id, only_hosts, "")
            return
        if resolve_first(self, step_id, only_hosts, who):  # `previous`: asked of the hosts first
            return
        try:
            per_host = conductor.preview(step_id)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not started", severity="error")
            return
        self.confirm_run(step_id, only_hosts, who, per_host)

    def confirm_run(
        self,
        step_id: str,
        only_hosts: list[str] | None,
        who: str,
        per_host: PerHost,
        resolved: Resolved | None = None,
    ) -> None:
        """The run's confirmation, showing `per_host`'s commands: y runs it. With a value
        `resolved` on the hosts, it names that value, and y chooses it before the run."""
        from console.ui.screens.confirm_run import RunConfirm
        from console.ui.screens.run_summary import stage_templates

        conductor = self.app.conductor
        assert conductor is not None
        if only_hosts is not None:
            per_host = {h: c for h, c in per_host.items() if h in only_hosts}
        if not per_host:
            self.app.notify("No host to run it on.", title="Not started")
            return
        pinned = resolved.pinned if resolved else {}

        def answered(yes: bool | None) -> None:
            if yes:
                try:
                    if resolved is not None and not resolved.reused:  # as confirmed: on record
                        record_resolved(conductor, step_id, resolved)
                    if pinned:  # the version confirmed is the one the run goes with
                        pin(conductor, pinned)
                except ProcedureError as exc:
                    self.app.notify(str(exc), title="Not started", severity="error")
                    return
                shown = f"{who} (command and {len(per_host)} host(s) shown)"
                self._go_run(step_id, only_hosts, shown)

        systems = conductor.settings.inventory.in_order(
            conductor.state.hosts.get(h, "?") for h in per_host
        )
        about = self.strategy_text(step_id, list(per_host), resolved=resolved)
        ran_state = conductor.state.step(step_id)
        ran = ran_state.hosts
        retry = only_hosts is not None and set(per_host) <= set(ran)
        verb, standing = ("Retry", ran_state.standing(list(per_host))) if retry else ("Run", "")
        title, changed = conductor.step(step_id).title, self.drift.notice(conductor)
        templates = stage_templates(conductor, step_id, undo=False)
        dialog = RunConfirm(title, systems, per_host, about, verb, standing, changed, templates)
        self.app.push_screen(dialog, answered)

    def _after_undo(self, step_id: str, only_hosts: list[str] | None) -> bool:
        """A step after a strategy step that was undone (not another strategy) asks
        first, saying so: a soak would pass on the state before the rollback. True if
        it asked."""
        from console.ui.screens.dialogs import ConfirmDialog

        conductor = self.app.conductor
        assert conductor is not None
        step = conductor.step(step_id)
        found = conductor.state.undone_before(conductor.order, step_id)
        if found is None or step.kind is StepKind.STRATEGY:
            return False
        undone_id, undo = found
        at = f" at {undo.finished:%H:%M} UTC" if undo.finished else ""
        does = "checks" if step.kind is StepKind.PROBE else "works on"
        undone = conductor.step(undone_id)
        done = done_by(conductor.settings, conductor.state, undone)
        question = (
            f"“{undone.title}” was undone{at}: the hosts are no longer {done}, and this"
            f" {does} them as they were before they were {done}. Run “{step.title}” anyway?"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_run(step_id, only_hosts, undone_seen=True)

        self.app.push_screen(ConfirmDialog("The rollback was undone", question, "Run"), answered)
        return True

    def strategy_text(
        self,
        step_id: str,
        hosts: list[str],
        undo: bool = False,
        resolved: Resolved | None = None,
        asides: dict[str, Aside] | None = None,
    ) -> StrategySaid | None:
        """A strategy step's strategy in words, for its confirmation on `hosts` (a run of
        hosts all held goes on from their stage; a value `resolved` on the hosts in place
        of the chosen one, said; an undo's `asides`, what it sets aside there); None for
        others."""
        from console.model.recovery_undo import unfinished_actions
        from console.ui.screens.run_said import strategy_text

        conductor = self.app.conductor
        assert conductor is not None
        step, state = conductor.step(step_id), conductor.state
        name = step.strategy or state.strategy
        if step.kind is not StepKind.STRATEGY or not name:
            return None
        held = None if undo else state.step(step_id).held_for(hosts)
        settings = conductor.settings
        systems = settings.inventory.in_order(state.hosts[h] for h in hosts if h in state.hosts)
        probes = [(s, p) for s in systems for p in settings.inventory.system(s).probes]
        strategy = settings.strategy(name)
        pinned, said = (resolved.pinned, resolved.shown()) if resolved else ({}, "")
        chosen = {**strategy.values_in(state.strategy, state.params), **pinned}
        names = [f"{s}/{p.name}" for s, p in probes]
        alone = [f"{s}/{p.name}" for s, p in probes if p.per_host]
        own = step.strategy not in (None, state.strategy)  # its `previous` is asked of no one
        checked = resolved is not None and resolved.given  # named outright: there or not
        # an undo where the action did not finish does something else there (a recovery's)
        unfinished = unfinished_actions(conductor.recorder.events, step_id, hosts) if undo else []
        return strategy_text(
            strategy, chosen, len(hosts), undo, held, names, alone, said, own, checked, unfinished,
            asides,
        )  # fmt: skip

    def undo_step(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        """Undo a strategy step on the hosts it touched (or those named: a retry): its
        undo commands are shown per host first, and run on `y` (journalled as
        `<step>.undo`)."""
        conductor = self.app.conductor
        if conductor is None:
            return
        step = conductor.step(step_id)
        if conductor.state.closed:
            # `undo` claims the systems again and writes the journal this console holds.
            self.app.notify(
                f"The incident is closed: quit this console"
                f" ({self.app.key_label('quit')}), then undo “{step.title}” with"
                f" `{again(f'undo {conductor.recorder.path} {step_id}')}`.",
                title="Not undone",
                severity="warning",
            )
            return
        if conductor.running:
            self.app.notify(
                "A step is running: wait for it, or abort it first.", title="Not undone"
            )
            return
        try:
            per_host = conductor.preview_undo(step_id, only_hosts)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not undone", severity="warning")
            return
        if not per_host:
            self.app.notify(f"“{step.title}” touched no host yet: nothing to undo.")
            return

        confirm_undo(self, step_id, only_hosts, per_host)

    def run_undo(self, step_id: str, only_hosts: list[str] | None = None) -> None:
        """Undo strategy step `step_id` (on `only_hosts`, if named) in a worker, on the
        execution screen as a run is (seen at 80x24: the checklist stayed, the step
        reading "☑ done" while its undo ran in waves for a minute)."""

        def start() -> None:
            self.drift.note(self.app.conductor, step_id)
            work = self._undo(step_id, only_hosts)
            self.app.run_worker(work, group="step", exclusive=True, exit_on_error=False)

        self._on_execution(f"{step_id}.undo", start)

    async def _undo(self, step_id: str, only_hosts: list[str] | None) -> None:
        assert self.app.conductor is not None
        title = self.app.conductor.step(step_id).title
        self.app.notify(f"Undoing “{title}”…", title="Undo", timeout=3)
        # Asked between its waves as the step was: the undo's own question; F3 shows it
        # (during and after: t there goes on with the hosts a stop left not started).
        undo_id = f"{step_id}.undo"  # shown by run_undo
        self.app.conductor.confirm_wave = functools.partial(confirm_next, self.app, undo_id)
        try:
            ok = await self.app.conductor.undo(step_id, only_hosts)
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not undone", severity="error")
            return
        announce_undo(self.app, step_id, ok)
        self.app.screen.post_message(StepRunFinished(step_id, ok))

    def _go_run(self, step_id: str, only_hosts: list[str] | None, confirmed: str) -> None:
        """Show the execution screen, and run the step once it has been drawn: the
        first show of that screen is the longest turn of the UI's loop as a step starts
        (~40 ms of CPU at 200x50), and the hosts' handshakes begun in the same moment
        took the CPUs and the interpreter's lock from it (bench/RESULTS.md)."""
        self.drift.note(self.app.conductor, step_id)
        run = functools.partial(self.run_step, step_id, only_hosts, None, confirmed)
        self._on_execution(step_id, run)

    def _on_execution(self, step_id: str, start: Callable[[], None]) -> None:
        """Show `step_id` on the execution screen, then `start` once it is drawn."""
        app = self.app
        app.exec_step = step_id
        shown = app.screen
        app.action_go("execution")
        execution = app.get_screen("execution")
        if app.screen is execution and shown is not execution:
            execution.call_after_refresh(start)
        else:
            start()

    def run_step(
        self,
        step_id: str,
        only_hosts: list[str] | None = None,
        message: str | None = None,
        confirmed: str = "",
    ) -> None:
        """Run the step in a worker; a toast says how it went."""
        work = self._run(step_id, only_hosts, message, confirmed)
        self.app.run_worker(work, group="step", exclusive=True, exit_on_error=False)

    async def _run(
        self, step_id: str, only_hosts: list[str] | None, message: str | None, confirmed: str
    ) -> None:
        assert self.app.conductor is not None
        self.app.conductor.confirm_wave = functools.partial(confirm_next, self.app, step_id)
        taken = step_id in self.out_of_order
        try:
            ok = await self.app.conductor.run_step(step_id, only_hosts, message, confirmed, taken)
        except StaleLock as exc:
            offer_lock_takeover(
                self.app,
                exc,
                lambda why: self._run_taking_over(why, step_id, only_hosts, confirmed),
            )
            return
        except ProcedureError as exc:
            self.app.notify(str(exc), title="Not started", severity="error")
            return
        self.out_of_order.discard(step_id)
        self.app.flush_events()
        announce(self.app, step_id, ok)
        self.app.screen.post_message(StepRunFinished(step_id, ok))

    def _run_taking_over(
        self, reason: str, step_id: str, only_hosts: list[str] | None, confirmed: str
    ) -> None:
        if self.app.conductor is not None:
            self.app.conductor.lock_takeover_reason = reason
            self.run_step(step_id, only_hosts, None, confirmed)
