"""The headless walk: the whole procedure without a person at the keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from console.engine.conductor import Conductor
from console.engine.errors import ProcedureError
from console.engine.plan import check_params
from console.engine.verify import record_firing
from console.engine.watcher import Firing, with_others
from console.journal.redact import settings_redactor
from console.model.problems import did_you_mean
from console.model.procedure import FormField, Phase, StepKind
from console.model.settings import Settings
from console.model.triggers import TriggerKind

RUNNABLE = (StepKind.COMMAND, StepKind.STRATEGY, StepKind.NOTIFY, StepKind.PROBE)
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}=?")


@dataclass
class RunRequest:
    """What `rollback-console run` was asked to do."""

    systems: list[str]
    strategy: str
    trigger: TriggerKind | None  # None: `--trigger auto`, set from `firing` before the walk
    reason: str
    hosts: list[str] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    yes: bool = False
    title: str = ""
    firing: Firing | None = None
    also_firing: list[Firing] = field(default_factory=list)  # recorded as its evidence
    accept_keys: dict[str, str] = field(default_factory=dict)  # host -> SHA256 fingerprint


def check_request(settings: Settings, request: RunRequest) -> None:
    """Refuse, before anything is recorded, what the walk could not finish."""
    manual = [s for s in settings.procedure.steps if s.kind is StepKind.MANUAL]
    if manual and not request.yes:
        raise ProcedureError(
            f"the procedure has {len(manual)} manual step(s) ({manual[0].title!r}, ...); "
            "pass --yes to confirm them"
        )
    if request.trigger and not request.trigger.automatic and not request.reason.strip():
        raise ProcedureError(f"--reason is required for a manual trigger ({request.trigger.label})")
    inventory = settings.inventory
    known = [s.name for s in settings.strategies]
    if request.strategy not in known:
        hint = did_you_mean(request.strategy, known)
        raise ProcedureError(
            f"unknown strategy {request.strategy!r}{hint} (known: {', '.join(known)})"
        )
    strategy = settings.strategy(request.strategy)
    for system in request.systems:
        try:
            strategies = inventory.system(system).strategies
        except KeyError:
            names = [s.name for s in inventory.systems]
            hint = did_you_mean(system, names)
            raise ProcedureError(
                f"unknown system {system!r}{hint} (known: {', '.join(names)})"
            ) from None
        if request.strategy not in strategies:
            raise ProcedureError(
                f"strategy {request.strategy!r} does not apply to system {system!r}"
                f" (its strategies: {', '.join(strategies) or 'none'})"
            )
    check_accept_keys(settings, request.systems, request.accept_keys)
    check_params(strategy, request.params, settings_redactor(settings).text)


def check_accept_keys(settings: Settings, systems: list[str], keys: dict[str, str]) -> None:
    """`--accept-host-key HOST=SHA256:...` names a host of the chosen systems and a
    whole SHA256 fingerprint: never a blind acceptance."""
    inventory = settings.inventory
    for host, fingerprint in keys.items():
        try:
            system = inventory.system_of(host).name
        except KeyError:
            raise ProcedureError(f"--accept-host-key: unknown host {host!r}") from None
        if system not in systems:
            raise ProcedureError(f"--accept-host-key: {host} is not in {', '.join(systems)}")
        if not FINGERPRINT.fullmatch(fingerprint):
            raise ProcedureError(
                f"--accept-host-key {host}={fingerprint}: expected the whole SHA256:..."
                " fingerprint the host's owner gave you (as `ssh-keygen -lf` prints it)"
            )


async def accept_keys(conductor: Conductor, keys: dict[str, str]) -> None:
    """Trust each named key, journalled, if the host offers exactly that one."""
    for host, fingerprint in keys.items():
        await conductor.accept_host_key(host, fingerprint, via="--accept-host-key")


async def walk(
    conductor: Conductor, request: RunRequest, incident_id: str, drill: bool = False
) -> bool:
    """Open the incident and walk immediate actions and execution; True if all succeeded."""
    if request.trigger is None:
        raise ProcedureError("no trigger: name one, or use the automatic trigger firing now")
    title = request.title or request.trigger.incident_title(request.reason)
    conductor.open_incident(title, incident_id, drill=drill)
    await accept_keys(conductor, request.accept_keys)
    evidence = None
    if request.firing:
        for firing in (request.firing, *request.also_firing):
            record_firing(conductor.recorder, firing)
        evidence = with_others(request.firing, request.also_firing)[1]
    conductor.declare_trigger(request.trigger, request.reason, evidence=evidence)
    conductor.select(request.systems, request.hosts or None)
    conductor.choose_strategy(request.strategy, request.params)
    procedure = conductor.settings.procedure

    async def confirm_wave(done: int, total: int) -> bool:
        conductor.note(f"wave {done} of {total} done; next wave confirmed by --yes")
        return True

    conductor.confirm_wave = confirm_wave
    ok = True
    for step in procedure.steps:
        if procedure.phase_of(step.id) is Phase.POST or conductor.runner.aborted:
            break
        if step.kind is StepKind.MANUAL:
            conductor.confirm(step.id, note="confirmed by --yes")
        elif step.kind in RUNNABLE and not await conductor.run_step(step.id):
            ok = False
            break
    if ok and not conductor.runner.aborted:
        reason_steps = [
            s for s in procedure.steps if s.kind is StepKind.FORM and FormField.REASON in s.fields
        ]
        for step in reason_steps:
            conductor.complete_form(step.id, {FormField.REASON: request.reason})
    ok = ok and not conductor.runner.aborted
    conductor.close("rolled back" if ok else ("aborted" if conductor.runner.aborted else "failed"))
    return ok
