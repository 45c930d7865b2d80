"""Opening an incident for the Conductor: its record, its trigger, its systems (their locks
taken) and its strategy, each checked before it is recorded."""

from __future__ import annotations

from typing import Any

from console.engine.closing import open_only
from console.engine.config_kept import keep
from console.engine.config_opened import digests
from console.engine.config_secrets import sealed
from console.engine.errors import ProcedureError
from console.engine.locking import IncidentLocks
from console.engine.plan import check_params
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.planned_steps import planned
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState
from console.model.triggers import TriggerKind


class IncidentOpening:
    """Records what an incident starts with; `settings` is the conductor's."""

    def __init__(self, settings: Settings, recorder: Recorder, locks: IncidentLocks):
        self.settings = settings
        self.recorder = recorder
        self.locks = locks

    @property
    def state(self) -> IncidentState:
        return self.recorder.state

    def open(
        self,
        title: str,
        incident_id: str,
        drill: bool = False,
        with_locks: bool = False,
        verifies: str = "",
    ) -> None:
        """Record that the incident opened; `with_locks`: the locks claimed for it so far
        are journalled with it, both durable with one fsync (a group commit); `verifies`:
        the closed incident whose unknown hosts it verifies (`verify`)."""
        together = with_locks and self.locks.unrecorded
        extra: dict[str, Any] = {"verifies": verifies} if verifies else {}  # unset: not written
        # the files it opens with, their secrets masked (config_opened.py)
        if config := digests(self.settings, self.recorder.redactor.text):
            extra["config"] = config
            # and its secrets' HMACs, under a key of its own (config_secrets.py)
            found = sealed(self.settings.files_read or {}, self.recorder.path)
            extra |= {} if found is None else {"config_secrets": found}
        record = self.recorder.record_deferred if together else self.recorder.record
        record(
            Kind.INCIDENT_OPENED,
            incident_id=incident_id,
            title=title,
            drill=drill,
            procedure=self.settings.procedure.name,
            steps=[planned(s, p.phase) for p in self.settings.procedure.phases for s in p.steps],
            **extra,
        )
        if together:
            self.locks.record()  # writes the held opening first, then fsyncs both
        if extra.get("config"):  # what changed since is said key by key (config_kept.py)
            keep(self.settings, self.recorder.path, self.recorder.redactor)

    def resume(self) -> bool:
        """Record that a console took the incident over again after a stop, and the hosts
        whose outcome that left unknown; False when it is closed (amendments only)."""
        in_flight = [
            {"step": step_id, "host": host}
            for step_id, st in self.state.steps.items()
            for host, run in st.hosts.items()
            if run.status is HostStatus.RUNNING
        ]
        aside = self.recorder.writer.torn_aside
        torn: dict[str, str] = {"torn": aside.name} if aside else {}  # unset: not written
        if stopped := self.recorder.writer.stopped_before:  # its journal could not be written
            torn["stopped"] = stopped
        if self.state.closed:
            self.recorder.record(
                Kind.INCIDENT_RESUMED, unknown=in_flight, amendments_only=True, **torn
            )
            return False
        self.recorder.record(Kind.INCIDENT_RESUMED, unknown=in_flight, **torn)
        return True

    def declare_trigger(
        self,
        kind: TriggerKind,
        reason: str,
        evidence: list[dict[str, Any]] | None = None,
        commander: str | None = None,
        taken_by: str | None = None,
    ) -> None:
        """Record the trigger, and the commander it names (default: the one in charge,
        else the login name and SSH client address of whoever declares). It is automatic
        only when it comes with its probe's evidence: an automatic kind a person names by
        hand is their declaration, with their reason. `taken_by`: what took a firing up
        when no person accepted the watcher's proposal (`run --trigger auto`, the drill)."""
        open_only(self.state, "take a trigger")
        reason = reason.strip()
        fired = kind.automatic and bool(evidence)
        if not fired and not reason:
            raise ProcedureError(f"{kind.by_hand} needs a reason")
        commander = (commander or "").strip() or self.state.commander or self.recorder.actor.login
        self.recorder.record(
            Kind.TRIGGER_DECLARED,
            commander=commander,
            kind=kind.value,
            label=kind.label,
            automatic=fired,
            reason=reason,
            evidence=evidence or [],
            **({"taken_by": taken_by} if fired and taken_by else {}),
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
        open_only(self.state, "change its systems")
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
        picked = inventory.in_order(mapping.values())
        # Picking a system is taking charge of it: refused here if another incident has it.
        self.locks.lock(picked)
        failing = {h: why for h, why in (ssh_check or {}).items() if h in mapping}
        extra: dict[str, Any] = {"ssh_check_failed": failing} if failing else {}
        self.recorder.record(Kind.SYSTEMS_SELECTED, systems=picked, hosts=mapping, **extra)

    def choose_strategy(
        self, name: str, params: dict[str, str] | None = None, systems: list[str] | None = None
    ) -> dict[str, str]:
        """Pick the strategy the restore step runs; its parameters are checked now.
        `systems`: for these of the selected systems only (a DR exercise runs several).
        The parameters as given (the journal holds them masked)."""
        open_only(self.state, "change its strategy")
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
        return values
