"""The procedure driver: the one API both the TUI and headless runs use."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.engine import step_runs
from console.engine.amendments import Amendments
from console.engine.closing import IncidentClosing, open_only
from console.engine.cut_rollouts import hold_cut_rollouts
from console.engine.decisions import Decisions
from console.engine.errors import ProcedureError as ProcedureError  # re-exported for callers
from console.engine.host_trust import trust_host_key
from console.engine.locking import Claim, IncidentLocks
from console.engine.notifying import Notifying
from console.engine.opening import IncidentOpening
from console.engine.plan import Secrets, plan_step, plan_undo
from console.engine.questions import Questions
from console.engine.run_plan import BetweenWaves, HostOutcome
from console.engine.runner import Runner
from console.engine.ssh import SshPool
from console.engine.steps import Activity, PerHost, StepExecution, per_host, step_data
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.procedure import FormField, Step, StepKind
from console.model.review import FieldValue
from console.model.settings import Settings
from console.model.state import IncidentState
from console.model.status import HostStatus, detached_reason
from console.model.triggers import TriggerKind

if TYPE_CHECKING:
    # Probe steps load their machinery when first used: `exec` and most steps do not
    # (issue 18, start-up); the notifier with the first status update or page.
    from console.engine.notifier import Notifier
    from console.engine.watcher import Watcher


def new_incident_id(when: datetime) -> str:
    return f"{when:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class Conductor:
    """Walks the checklist: every action it takes is recorded before it happens.

    It owns its collaborators, each given only what it needs: `opening` (trigger,
    systems, strategy), `locking` (the systems' locks), `execution` (what a step sends,
    and undo), `decisions` (a step confirmed or skipped, command handed over),
    `amendments` (notes, stars, the form), `closing` (the end of the
    incident), `activity` (which steps run now), and the `notifier`."""

    def __init__(self, settings: Settings, recorder: Recorder, pool: SshPool):
        self.recorder = recorder
        self.pool = pool
        self.runner = Runner(pool, recorder)
        self.order = [s.id for s in settings.procedure.steps]
        self.activity = Activity()
        self.locking = IncidentLocks(recorder)
        self.execution = StepExecution(
            settings, recorder, self.runner, self.activity, lambda: self.secrets, self.watching
        )
        self.closing = IncidentClosing(settings, recorder, self.activity, self.locking, self.abort)
        self.opening = IncidentOpening(settings, recorder, self.locking)
        self.amendments = Amendments(settings, recorder)
        self.decisions = Decisions(settings, recorder, self.activity)
        self.settings = settings
        # Asked between waves that need a confirmation; None means: stop after the wave.
        self.confirm_wave: BetweenWaves | None = None
        self.waiting: Callable[[str, str], None] | None = None  # headless: step, words
        self.questions = Questions(self.recorder)
        self.watcher: Watcher | None = None  # made by the first probe step
        self.triggers_watched = False  # the console's own watcher judges the triggers here
        # A drill's recovery-time targets by system, in place of the systems' RTO.
        self.recovery_targets: dict[str, float | None] = {}
        self.notifying = Notifying(settings, recorder)
        # The chosen strategy's parameters as given: the journal holds them masked.
        self._given: tuple[str, dict[str, str]] | None = None

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """A drill runs on its own settings: its collaborators follow."""
        self._settings = settings
        parts = (self.execution, self.closing, self.opening, self.amendments, self.decisions)
        for part in parts:
            part.settings = settings

    @property
    def notifier(self) -> Notifier:
        return self.notifying.get()

    def watching(self) -> Watcher:
        """The watcher of probe steps and of a gradual re-enable's stages, made when first
        asked for, journalling into this incident; a probe that reads each host reads the
        hosts the incident chose (one left out, down for maintenance, holds nothing)."""
        if self.watcher is None:
            from console.engine.watcher import Watcher

            self.watcher = Watcher(self.settings, self.pool, clock=self.recorder.clock)
        self.watcher.attach(self.recorder)
        if self.triggers_watched:
            self.watcher.leave_triggers()
        self.watcher.hosts = frozenset(self.state.hosts)
        return self.watcher

    @property
    def secrets(self) -> Secrets:
        return Secrets(self.recorder.redactor.text, self._given)

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    def masked(self, text: str) -> str:
        """`text` as the journal holds it: every secret masked."""
        return self.recorder.redactor.text(text)

    # -- opening the incident -------------------------------------------------

    def open_incident(
        self, title: str, incident_id: str, drill: bool = False, with_locks: bool = False
    ) -> None:
        """Record the opening; `with_locks`: and the locks claimed so far, in one fsync."""
        self.opening.open(title, incident_id, drill, with_locks)

    def resume(self) -> None:
        """Record that this console took the incident over again after a stop; a closed
        incident reopens for amendments only."""
        reopened = self.opening.resume()
        self.notifier.settle_unanswered()
        if reopened:
            hold_cut_rollouts(self.execution, self.secrets)
            self.notifier.repeats.rearm()

    def declare_trigger(
        self,
        kind: TriggerKind,
        reason: str,
        evidence: list[dict[str, Any]] | None = None,
        commander: str | None = None,
        taken_by: str | None = None,
    ) -> None:
        """Record the trigger and the commander it names (IncidentOpening says how)."""
        self.opening.declare_trigger(kind, reason, evidence, commander, taken_by)

    def select(
        self,
        systems: list[str],
        hosts: list[str] | None = None,
        ssh_check: dict[str, str] | None = None,
    ) -> None:
        """Choose the affected systems or hosts and take their locks (IncidentOpening)."""
        self.opening.select(systems, hosts, ssh_check)

    def choose_strategy(
        self, name: str, params: dict[str, str] | None = None, systems: list[str] | None = None
    ) -> None:
        """Pick the strategy the restore step runs (IncidentOpening); the parameters as
        given are kept for rendering, the journal holds them masked."""
        self._given = (name, self.opening.choose_strategy(name, params, systems))

    # -- walking the checklist ------------------------------------------------

    def step(self, step_id: str) -> Step:
        return self.settings.procedure.step(step_id)

    def current(self) -> Step | None:
        step_id = self.state.current_step(self.order)
        return self.step(step_id) if step_id else None

    def _step_data(self, step: Step) -> dict[str, Any]:
        return step_data(self.settings, step)

    def confirm(self, step_id: str, note: str = "", by: str = "") -> None:
        self.decisions.confirm(step_id, note, by)

    def hand_over(self, to: str, note: str = "", reason: str = "") -> None:
        self.decisions.hand_over(to, note, reason)

    def skip(self, step_id: str, reason: str) -> None:
        self.decisions.skip(step_id, reason)

    def note(self, text: str, step_id: str | None = None, about: int | None = None) -> None:
        """A free-text note; `about` makes it an annotation of that event (its seq)."""
        self.amendments.note(text, step_id, about)

    def star(self, seq: int, starred: bool = True) -> None:
        self.amendments.star(seq, starred)

    def set_field(self, field: FormField, value: FieldValue, step_id: str | None = None) -> None:
        """Journal a post-rollback field, checked as the form and `run --form` check it."""
        self.amendments.set_field(field, value, step_id)

    def complete_form(self, step_id: str, values: Mapping[FormField, FieldValue]) -> list[str]:
        """Journal a form step's fields, and the step as done once its required fields are
        filled: the labels of those still empty."""
        return self.amendments.complete_form(step_id, values)

    async def run_step(
        self,
        step_id: str,
        only_hosts: list[str] | None = None,
        message: str | None = None,
        confirmed: str = "",
        out_of_order: bool = False,
    ) -> bool:
        """Run a command, strategy, notify or probe step (`step_runs.run_step`); True when
        it succeeded everywhere."""
        return await step_runs.run_step(self, step_id, only_hosts, message, confirmed, out_of_order)

    async def run_adhoc(self, command: str, hosts: list[str]) -> bool:
        """Run one typed command, exactly as typed, on the given hosts; journalled as a step."""
        return await step_runs.run_adhoc(self, command, hosts)

    async def undo(
        self,
        step_id: str,
        only_hosts: list[str] | None = None,
        instead: Mapping[str, str] | None = None,
    ) -> bool:
        """Run the strategy's undo on the hosts a strategy step touched (also after the
        close: an undo asked for later is recorded in the incident it undoes), in the
        strategy's waves: between them, `confirm_wave` asks where they say confirm;
        `instead`: parameter values given for it, in place of the incident's."""
        ask = self.questions.asking(f"{step_id}.undo", self.confirm_wave)
        return await self.execution.undo(step_id, only_hosts, ask, instead)

    def preview(self, step_id: str) -> PerHost:
        """Every command a step would send, per host, rendered and quoted; nothing is sent.
        Show each one's `shown` form: `sent` holds the secrets."""
        step = self.step(step_id)
        if step.kind not in (StepKind.COMMAND, StepKind.STRATEGY):
            raise ProcedureError(f"step {step.title!r} is a {step.kind} step: no commands to show")
        return per_host(plan_step(self.settings, self.state, step, None, None, self.secrets))

    def preview_undo(self, step_id: str, only_hosts: list[str] | None = None) -> PerHost:
        """Every command the undo of strategy step `step_id` would send, per host it
        touched (or those of them named); nothing is sent."""
        step = self.step(step_id)
        return per_host(plan_undo(self.settings, self.state, step, only_hosts, self.secrets))

    def retrying(self, sent: int) -> str | None:
        """How a notification still waiting for its answer is retried, if it is."""
        return self.notifier.retrying.get(sent)

    def failed_hosts(self, step_id: str) -> list[str]:
        """Hosts to retry: those that failed, were aborted or did not start (or are held,
        to go on); not those a precheck refused for good (nothing to do), nor those whose
        outcome is unknown (verified, or retried after their earlier attempt is checked)."""
        return self.state.step(step_id).retry_hosts()

    async def accept_host_key(self, host: str, fingerprint: str, via: str = "") -> bool:
        """Trust the UNKNOWN key on the way to `host` (its own or a jump host's) after a
        person compared its fingerprint, or `--accept-host-key` named it exactly;
        journalled. False if that key was trusted already (nothing written)."""
        open_only(self.state, "accept a host key")
        accepted = await trust_host_key(self.settings, self.pool, host, fingerprint, via)
        if accepted is None:
            return False
        self.record_host_key(accepted)
        return True

    def record_host_key(self, accepted: dict[str, Any]) -> None:
        """Journal a key accepted with `trust_host_key` (in the picker, before the
        incident was declared)."""
        self.recorder.record(Kind.HOSTKEY_ACCEPTED, **accepted)

    def finish_step(self, step_id: str, outcomes: dict[str, HostOutcome]) -> bool:
        """Record how a step ended, from every host's run (also those settled later)."""
        data = self._step_data(self.step(step_id)) if step_id in self.order else {}
        return self.execution.complete(step_id, outcomes, data)

    async def abort(self, reason: str, runs: frozenset[int] | None = None) -> None:
        if not reason.strip():
            raise ProcedureError("an abort needs a reason")
        self.activity.still(runs)  # what the commander was shown runs, nothing else
        self.recorder.record(Kind.RUN_ABORTED, reason=reason.strip(), running=sorted(self.running))
        if notifier := self.notifying.made:  # a status update waiting on a silent channel
            notifier.cut_step_sends(reason.strip())
        await self.runner.abort(reason.strip())

    async def detach(self, why: str | None = None) -> list[str]:
        """The console quits and leaves the running commands be (journalled: the steps,
        the hosts, and `why` when nobody chose it: its terminal closed); each supervisor
        lets go. Those hosts stay unknown until resumed and verified. The hosts left
        running."""
        hosts = self.running_hosts()
        running = sorted(self.running)
        self.recorder.record(Kind.RUN_DETACHED, running=running, hosts=hosts, reason=why)
        if notifier := self.notifying.made:  # a status update waiting on its channels
            notifier.ended = detached_reason(why)
        await self.runner.detach(why)
        return hosts

    def running_hosts(self) -> list[str]:
        """The hosts a running step has a command running on now."""
        return sorted(
            {
                host
                for step in self.running
                for host, run in self.state.step(step).hosts.items()
                if run.status is HostStatus.RUNNING
            }
        )

    @property
    def running(self) -> frozenset[str]:
        """Ids of the steps running right now."""
        return self.activity.ids

    def record_export(self, path: str, format: str, starred_only: bool = False) -> None:
        """Record that the rollback document was written to `path`."""
        self.recorder.record(
            Kind.EXPORT_WRITTEN, path=path, format=format, starred_only=starred_only
        )

    # -- the collaborators' parts of the conductor's API -------------------------------

    @property
    def claim(self) -> Claim | None:
        """The systems' locks this incident holds (None: locking is off)."""
        return self.locking.claim

    @claim.setter
    def claim(self, claim: Claim | None) -> None:
        self.locking.claim = claim

    @property
    def lock_takeover_reason(self) -> str | None:
        """A stale lock of another incident is taken over only when a reason is given here."""
        return self.locking.takeover_reason

    @lock_takeover_reason.setter
    def lock_takeover_reason(self, reason: str | None) -> None:
        self.locking.takeover_reason = reason

    def lock_systems(self, systems: list[str]) -> None:
        self.locking.lock(systems)

    def record_locks(self) -> None:
        self.locking.record()

    @property
    def locks_lost(self) -> list[str]:
        return self.locking.lost_said()

    def release_locks(self, why: str | None = None, left_open: bool | None = None) -> None:
        """Let go of the systems (journalled; `why`: the console was ended, not quit);
        `left_open`, by default while the incident is: who holds them next is noted for it."""
        self.locking.release(why, not self.state.closed if left_open is None else left_open)

    def let_go(self, ended: str, why: str | None = None, settle: str | None = None) -> list[str]:
        """This process stops driving the incident: its locks are released, or kept while
        a host is unknown or left running (`IncidentClosing.let_go`). The systems kept."""
        return self.closing.let_go(ended, why, settle)

    @property
    def locks_kept(self) -> list[str]:
        """The systems whose locks `let_go` kept past this process."""
        return self.locking.kept

    def not_rolled_back(self) -> list[str]:
        return self.closing.not_rolled_back()

    def unverified(self) -> list[str]:
        return self.closing.unverified()

    def unverified_why(self) -> str:
        return self.closing.unverified_why()

    def refused_why(self) -> str:
        return self.closing.refused_why()

    def why_stopped(self) -> tuple[str, bool]:
        return self.closing.why_stopped()

    def close(self, outcome: Outcome, reason: str = "", **how: Any) -> None:
        """`IncidentClosing.close`: `hosts`, `to` and `confirmed` as there."""
        self.closing.close(outcome, reason, **how)

    async def abort_incident(self, reason: str, confirmed: bool = True) -> None:
        await self.closing.abort_incident(reason, confirmed)

    async def shutdown(self) -> None:
        self.release_locks()
        if notifier := self.notifying.made:  # none made: nothing was sent, nothing repeats
            await notifier.drain()
        await self.pool.close()
        await asyncio.sleep(0)
