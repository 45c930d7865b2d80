"""The procedure driver: the one API both the TUI and headless runs use."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from console.engine import attempts
from console.engine.attempts import AttemptCheck
from console.engine.closing import IncidentClosing
from console.engine.errors import ProcedureError as ProcedureError  # re-exported for callers
from console.engine.failures import HostFailure
from console.engine.locking import Claim, IncidentLocking
from console.engine.notifier import Notifier
from console.engine.plan import Secrets, check_params, plan_step, plan_undo
from console.engine.runner import BetweenWaves, HostOutcome, Runner
from console.engine.ssh import SshPool, targets_for
from console.engine.steps import StepActions
from console.engine.verify import run_probe_step
from console.engine.watcher import Watcher
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.procedure import FormField, Step, StepKind
from console.model.review import FieldError, FieldValue, check_field, filled_in
from console.model.settings import Settings
from console.model.state import IncidentState
from console.model.status import HostStatus, StepStatus
from console.model.templates import RenderedCommand
from console.model.triggers import TriggerKind


async def trust_host_key(
    settings: Settings, pool: SshPool, host: str, fingerprint: str, via: str = ""
) -> dict[str, Any] | None:
    """Write the UNKNOWN key on the way to `host` to known_hosts; what `hostkey.accepted`
    records, or None if that key was trusted already (nothing written)."""
    target = targets_for(settings.inventory, [host])[0]
    try:
        accepted = await pool.accept_host_key(target, fingerprint)
    except HostFailure as failure:
        raise ProcedureError(f"{host}: {failure.detail}") from None
    if accepted is None:
        return None
    return {
        "system": target.system,
        "host": host,
        "fingerprint": fingerprint,
        "endpoint": accepted.endpoint,
        "known_hosts": accepted.known_hosts,
        "entry": accepted.entry,
        **({"via": via} if via else {}),
    }


def new_incident_id(when: datetime) -> str:
    return f"{when:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class Conductor(StepActions, IncidentLocking, IncidentClosing):
    """Walks the checklist: every action it takes is recorded before it happens."""

    def __init__(self, settings: Settings, recorder: Recorder, pool: SshPool):
        self.settings = settings
        self.recorder = recorder
        self.pool = pool
        self.runner = Runner(pool, recorder)
        self.order = [s.id for s in settings.procedure.steps]
        self._running: set[str] = set()
        self._idle = asyncio.Event()  # set while no step runs
        self._idle.set()
        # Asked between waves that need a confirmation; None means: stop after the wave.
        self.confirm_wave: BetweenWaves | None = None
        # The systems' locks this incident holds (None: locking is off); a stale lock of
        # another incident is taken over only when a reason is given here.
        self.claim: Claim | None = None
        self.lock_takeover_reason: str | None = None
        self.watcher: Watcher | None = None  # made by the first probe step
        # A drill's recovery-time targets by system, in place of the systems' RTO.
        self.recovery_targets: dict[str, float | None] = {}
        self.notifier = Notifier(settings, recorder)
        # The chosen strategy's parameters as given: the journal holds them masked.
        self._given: tuple[str, dict[str, str]] | None = None

    @property
    def secrets(self) -> Secrets:
        return Secrets(self.recorder.redactor.text, self._given)

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    def masked(self, text: str) -> str:
        """`text` as the journal holds it: every secret masked."""
        return self.recorder.redactor.text(text)

    def _open_only(self, what: str) -> None:
        """Refuse `what` once the incident is closed: only amendments are left."""
        if self.state.closed:
            raise ProcedureError(
                f"the incident is closed ({self.state.outcome_label}): it cannot {what};"
                " only the post-rollback form, notes and stars can still be amended"
            )

    def _amending(self) -> dict[str, Any]:
        """`amendment: true` on what is recorded after the close."""
        return {"amendment": True} if self.state.closed else {}

    # -- opening the incident -------------------------------------------------

    def open_incident(self, title: str, incident_id: str, drill: bool = False) -> None:
        self.recorder.record(
            Kind.INCIDENT_OPENED,
            incident_id=incident_id,
            title=title,
            drill=drill,
            procedure=self.settings.procedure.name,
            steps=[
                {"id": s.id, "title": s.title, "kind": s.kind.value, "phase": p.phase.value}
                for p in self.settings.procedure.phases
                for s in p.steps
            ],
        )

    def resume(self) -> None:
        """Record that this console took the incident over again after a stop; a closed
        incident reopens for amendments only."""
        in_flight = [
            {"step": step_id, "host": host}
            for step_id, st in self.state.steps.items()
            for host, run in st.hosts.items()
            if run.status is HostStatus.RUNNING
        ]
        if self.state.closed:
            self.recorder.record(Kind.INCIDENT_RESUMED, unknown=in_flight, amendments_only=True)
            return
        self.recorder.record(Kind.INCIDENT_RESUMED, unknown=in_flight)
        self.notifier.rearm()

    def declare_trigger(
        self,
        kind: TriggerKind,
        reason: str,
        evidence: list[dict[str, Any]] | None = None,
        commander: str | None = None,
    ) -> None:
        """Record the trigger, and the commander it names (default: the one in charge,
        else the login name and SSH client address of whoever declares)."""
        self._open_only("take a trigger")
        reason = reason.strip()
        if not kind.automatic and not reason:
            raise ProcedureError(f"a manual trigger ({kind.label}) needs a reason")
        commander = (commander or "").strip() or self.state.commander or self.recorder.actor.login
        self.recorder.record(
            Kind.TRIGGER_DECLARED,
            commander=commander,
            kind=kind.value,
            label=kind.label,
            automatic=kind.automatic,
            reason=reason,
            evidence=evidence or [],
        )

    def select(
        self,
        systems: list[str],
        hosts: list[str] | None = None,
        ssh_check: dict[str, str] | None = None,
    ) -> None:
        """Choose the affected systems, or single hosts within them, and take their locks
        (LockRefused if another incident holds one); `ssh_check` is why chosen hosts
        failed a reachability check, kept as evidence."""
        self._open_only("change its systems")
        inventory = self.settings.inventory
        for name in systems:
            try:
                inventory.system(name)
            except KeyError:
                raise ProcedureError(f"unknown system {name!r}") from None
        chosen = hosts or [h.name for s in systems for h in inventory.system(s).hosts]
        mapping = {}
        for host in chosen:
            try:
                mapping[host] = inventory.system_of(host).name
            except KeyError:
                raise ProcedureError(f"unknown host {host!r}") from None
        if not mapping:
            raise ProcedureError("no hosts selected")
        picked = sorted(set(mapping.values()), key=[s.name for s in inventory.systems].index)
        # Picking a system is taking charge of it: refused here if another incident has it.
        self.lock_systems(picked)
        failing = {h: why for h, why in (ssh_check or {}).items() if h in mapping}
        extra: dict[str, Any] = {"ssh_check_failed": failing} if failing else {}
        self.recorder.record(Kind.SYSTEMS_SELECTED, systems=picked, hosts=mapping, **extra)

    def choose_strategy(
        self, name: str, params: dict[str, str] | None = None, systems: list[str] | None = None
    ) -> None:
        """Pick the strategy the restore step runs; its parameters are checked now.
        `systems`: for these of the selected systems only (a DR exercise runs several)."""
        self._open_only("change its strategy")
        try:
            strategy = self.settings.strategy(name)
        except StopIteration:
            raise ProcedureError(f"unknown strategy {name!r}") from None
        outside = [
            s
            for s in systems or self.state.systems
            if name not in self.settings.inventory.system(s).strategies
        ]
        if outside:
            raise ProcedureError(f"strategy {name!r} does not apply to {', '.join(outside)}")
        values = check_params(strategy, params or {}, self.recorder.redactor.text)
        extra: dict[str, Any] = {"systems": list(systems)} if systems else {}
        self.recorder.record(Kind.STRATEGY_CHOSEN, strategy=name, params=values, **extra)
        self._given = (name, values)

    # -- walking the checklist ------------------------------------------------

    def step(self, step_id: str) -> Step:
        return self.settings.procedure.step(step_id)

    def current(self) -> Step | None:
        step_id = self.state.current_step(self.order)
        return self.step(step_id) if step_id else None

    def _step_data(self, step: Step) -> dict[str, Any]:
        return {"title": step.title, "phase": self.settings.procedure.phase_of(step.id).value}

    def confirm(self, step_id: str, note: str = "", by: str = "") -> None:
        """A person confirms a manual step is done; `by` says who (default: the
        commander), e.g. `--yes (headless)`."""
        self._open_only("confirm a step")
        step = self.step(step_id)
        if step.kind is not StepKind.MANUAL:
            raise ProcedureError(f"step {step.title!r} is not a manual step")
        by = by or self.state.commander or self.recorder.actor.login
        self.recorder.record(
            Kind.STEP_CONFIRMED, step=step_id, note=note, by=by, **self._step_data(step)
        )

    def hand_over(self, to: str, note: str = "") -> None:
        """Someone else takes command: an event of its own; later events carry them."""
        self._open_only("hand over command")
        to = to.strip()
        if not to:
            raise ProcedureError("say whom command is handed over to")
        if to == self.state.commander:
            raise ProcedureError(f"{to} is already the commander")
        self.recorder.record(
            Kind.COMMANDER_HANDED_OVER,
            to=to,
            previous=self.state.commander or "",
            note=note.strip(),
        )

    def skip(self, step_id: str, reason: str) -> None:
        self._open_only("skip a step")
        if not reason.strip():
            raise ProcedureError("skipping a step needs a reason")
        if step_id in self._running:
            raise ProcedureError("the step is running; abort it first")
        step = self.step(step_id)
        self.recorder.record(
            Kind.STEP_SKIPPED, step=step_id, reason=reason.strip(), **self._step_data(step)
        )

    def note(self, text: str, step_id: str | None = None, about: int | None = None) -> None:
        """A free-text note; `about` makes it an annotation of that event (its seq)."""
        if not text.strip():
            return
        if about is not None and not 0 <= about < len(self.recorder.events):
            raise ProcedureError(f"there is no event #{about} to annotate")
        extra: dict[str, Any] = {"about": about} if about is not None else {}
        self.recorder.record(
            Kind.NOTE_ADDED, step=step_id, text=text.strip(), **extra, **self._amending()
        )

    def star(self, seq: int, starred: bool = True) -> None:
        self.recorder.record(Kind.EVENT_STARRED, seq=seq, starred=starred, **self._amending())

    def set_field(self, field: FormField, value: FieldValue, step_id: str | None = None) -> None:
        """Journal a post-rollback field, checked as the form and `run --form` check it
        (a date-time normalised, action items as rows); after the close, an amendment."""
        try:
            checked = check_field(field, value)
        except FieldError as exc:
            raise ProcedureError(f"{field.label}: {exc}") from None
        self.recorder.record(
            Kind.FIELD_SET, step=step_id, field=field.value, value=checked, **self._amending()
        )

    def complete_form(self, step_id: str, values: Mapping[FormField, FieldValue]) -> None:
        step = self.step(step_id)
        for field in step.fields:
            if field in values and not self._unchanged(field, values[field]):
                self.set_field(field, values[field], step_id)
        filled = sum(1 for f in step.fields if filled_in(self.state, f))
        self.recorder.record(
            Kind.STEP_COMPLETED,
            step=step_id,
            status=StepStatus.DONE.value,
            summary=f"{filled} of {len(step.fields)} field(s) filled",
            **self._step_data(step),
            **self._amending(),
        )

    def _unchanged(self, field: FormField, value: FieldValue) -> bool:
        """Whether `value` is what the record holds already: saving it again would be
        noise (and, after the close, a false amendment)."""
        if isinstance(value, str):
            return value.strip() == self.state.fields.get(field.value)
        return field is FormField.ACTION_ITEMS and value == self.state.action_items

    async def run_step(
        self,
        step_id: str,
        only_hosts: list[str] | None = None,
        message: str | None = None,
        confirmed: str = "",
    ) -> bool:
        """Run a command, strategy, notify or probe step; True when it succeeded everywhere.
        A notify step sends `message` if given (the commander's words), else its template.
        `confirmed` says who confirmed it after seeing what it sends (journalled): the
        console asks before a step that changes hosts, headless runs need --yes."""
        self._open_only("run a step")
        step = self.step(step_id)
        if step.kind not in (StepKind.COMMAND, StepKind.STRATEGY, StepKind.NOTIFY, StepKind.PROBE):
            raise ProcedureError(f"step {step.title!r} is {step.kind}, not something to run")
        if step_id in self._running:
            raise ProcedureError(f"step {step.title!r} is already running")
        if not self.state.hosts:
            raise ProcedureError("pick the affected systems first")
        said = {"confirmed": confirmed.strip()} if confirmed.strip() else {}
        self.lock_systems(self.state.systems)
        self._running.add(step_id)
        self._idle.clear()
        try:
            if step.kind is StepKind.NOTIFY:
                data = {**self._step_data(step), **said, **({"edited": True} if message else {})}
                return await self.notifier.send_step(step, data, message)
            if step.kind is StepKind.PROBE:
                systems = {self.state.hosts[h] for h in only_hosts or [] if h in self.state.hosts}
                return await run_probe_step(self, step, sorted(systems) or None)
            planned = plan_step(
                self.settings, self.state, step, only_hosts, self.confirm_wave, self.secrets
            )
            chosen = {t.name for t in planned.targets}
            attempt = 1 + max(
                (r.attempt for h, r in self.state.step(step_id).hosts.items() if h in chosen),
                default=0,
            )
            self.recorder.record(
                Kind.STEP_STARTED,
                step=step_id,
                hosts=[t.name for t in planned.targets],
                attempt=attempt,
                **self._step_data(step),
                **said,
            )
            outcomes = await self._execute(step, planned, attempt)
            return self._complete(step.id, outcomes, self._step_data(step))
        finally:
            self._running.discard(step_id)
            if not self._running:
                self._idle.set()

    async def run_adhoc(self, command: str, hosts: list[str]) -> bool:
        """Run one typed command, exactly as typed, on the given hosts; journalled as a step."""
        self._open_only("run a command")
        if not command.strip():
            raise ProcedureError("the ad-hoc command is empty")
        known = set(self.settings.inventory.host_names)
        chosen = [h for h in hosts if h in known]
        if not chosen or len(chosen) != len(hosts):
            missing = ", ".join(sorted(set(hosts) - known)) or "none given"
            raise ProcedureError(f"unknown host(s): {missing}")
        step_id = f"adhoc-{sum(1 for s in self.state.steps if s.startswith('adhoc-')) + 1}"
        redact = self.recorder.redactor.text
        # Masked before it is cut: a secret cut in two would no longer match.
        title = redact(command.strip()).splitlines()[0][:60]
        data = {"title": f"Ad-hoc: {title}", "phase": "adhoc"}
        targets = targets_for(self.settings.inventory, chosen)
        self.lock_systems(sorted({t.system for t in targets}))
        self.recorder.record(
            Kind.STEP_STARTED, step=step_id, hosts=chosen, attempt=1, adhoc=True, **data
        )
        self._running.add(step_id)  # quitting asks first, as for any step
        try:
            outcomes = await self.runner.run(
                step_id,
                targets,
                lambda t: [("run", RenderedCommand.typed(command, t.workdir, redact))],
            )
        finally:
            self._running.discard(step_id)
        return self._complete(step_id, outcomes, data)

    def preview(self, step_id: str) -> dict[str, list[tuple[str, RenderedCommand]]]:
        """Every command a step would send, per host, rendered and quoted; nothing is sent.
        Show each one's `shown` form: `sent` holds the secrets."""
        step = self.step(step_id)
        if step.kind not in (StepKind.COMMAND, StepKind.STRATEGY):
            raise ProcedureError(f"step {step.title!r} is a {step.kind} step: no commands to show")
        planned = plan_step(self.settings, self.state, step, None, None, self.secrets)
        return {
            t.name: [c for group in planned.groups_for(t) for c in group] for t in planned.targets
        }

    def preview_undo(self, step_id: str) -> dict[str, list[tuple[str, RenderedCommand]]]:
        """Every command the undo of strategy step `step_id` would send, per host it
        touched; nothing is sent."""
        planned = plan_undo(self.settings, self.state, self.step(step_id), None, self.secrets)
        return {
            t.name: [c for group in planned.groups_for(t) for c in group] for t in planned.targets
        }

    def failed_hosts(self, step_id: str) -> list[str]:
        """Hosts to retry: those that failed, were aborted, did not start, or are unknown."""
        runs = self.state.step(step_id).hosts
        return [h for h, r in runs.items() if r.status is not HostStatus.SUCCEEDED]

    async def accept_host_key(self, host: str, fingerprint: str, via: str = "") -> bool:
        """Trust the UNKNOWN key on the way to `host` (its own or a jump host's) after a
        person compared its fingerprint, or `--accept-host-key` named it exactly;
        journalled. False if that key was trusted already (nothing written)."""
        self._open_only("accept a host key")
        accepted = await trust_host_key(self.settings, self.pool, host, fingerprint, via)
        if accepted is None:
            return False
        self.record_host_key(accepted)
        return True

    def record_host_key(self, accepted: dict[str, Any]) -> None:
        """Journal a key accepted with `trust_host_key` (in the picker, before the
        incident was declared)."""
        self.recorder.record(Kind.HOSTKEY_ACCEPTED, **accepted)

    # -- hosts left unknown by a console that died --------------------------------

    async def check_attempts(self, hosts: list[str] | None = None) -> list[AttemptCheck]:
        """Whether the earlier attempt on each unknown host (of `hosts`) still runs."""
        return await attempts.check_attempts(self, hosts)

    async def stop_attempts(self, checks: list[AttemptCheck]) -> list[AttemptCheck]:
        """Stop the earlier attempts `checks` found running; what each host says after."""
        self.lock_systems(self.state.systems)
        return await attempts.stop_attempts(self, checks)

    async def verify_unknown(self, hosts: list[str] | None = None) -> dict[str, str]:
        """Run the interrupted steps' verify on the unknown hosts (of `hosts`) whose
        earlier attempt no longer runs: each settles as succeeded or failed."""
        self.lock_systems(self.state.systems)
        steps = {s for s, _ in self.state.unknown_hosts}
        if busy := steps & self._running:
            raise ProcedureError(f"step {sorted(busy)[0]!r} is running")
        self._running |= steps
        try:
            return await attempts.verify_unknown(self, hosts)
        finally:
            self._running -= steps

    def finish_step(self, step_id: str, outcomes: dict[str, HostOutcome]) -> bool:
        """Record how a step ended, from every host's run (also those settled later)."""
        data = self._step_data(self.step(step_id)) if step_id in self.order else {}
        return self._complete(step_id, outcomes, data)

    async def abort(self, reason: str) -> None:
        if not reason.strip():
            raise ProcedureError("an abort needs a reason")
        self.recorder.record(Kind.RUN_ABORTED, reason=reason.strip(), running=sorted(self._running))
        await self.runner.abort(reason.strip())

    async def detach(self) -> list[str]:
        """The console quits and leaves the running commands be (journalled: the steps,
        the hosts); each supervisor lets go. Those hosts stay unknown until resumed and
        verified. The hosts left running."""
        hosts = self.running_hosts()
        self.recorder.record(Kind.RUN_DETACHED, running=sorted(self._running), hosts=hosts)
        await self.runner.detach()
        return hosts

    def running_hosts(self) -> list[str]:
        """The hosts a running step has a command running on now."""
        return sorted(
            {
                host
                for step in self._running
                for host, run in self.state.step(step).hosts.items()
                if run.status is HostStatus.RUNNING
            }
        )

    @property
    def running(self) -> frozenset[str]:
        """Ids of the steps running right now."""
        return frozenset(self._running)

    def record_export(self, path: str, format: str, starred_only: bool = False) -> None:
        """Record that the rollback document was written to `path`."""
        self.recorder.record(
            Kind.EXPORT_WRITTEN, path=path, format=format, starred_only=starred_only
        )

    async def shutdown(self) -> None:
        self.release_locks()
        await self.notifier.drain()
        await self.pool.close()
        await asyncio.sleep(0)
