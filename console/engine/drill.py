"""A planned drill from its scenario: set the stage (integrity baseline, faults), fire the
trigger (the scenario's probe, else the declared one), roll back, verify, check the data,
undo the faults, and judge it all against what the scenario expects (`drill.judged`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.engine.drill_stage import DemoFaults, Stage
from console.engine.elsewhere import pass_over
from console.engine.errors import ProcedureError
from console.engine.plan import check_params
from console.engine.resolving import DRILL_NAMING, resolve_unattended
from console.engine.walk import RUNNABLE, accept_keys, confirm_waves_as
from console.engine.watcher import Watcher, record_firing, with_others
from console.journal.describe import notified_lines
from console.model.drill_verdict import judge
from console.model.drills import DrillOutcome, Part, Scenario, Scope
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.procedure import Phase, StepKind
from console.model.settings import Settings
from console.model.status import HostStatus, StepStatus

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.host_trust import HostKeys

DETECTION_SLACK = 3  # sampling rounds, beyond the longest consecutive limit, to wait
SCOPE_SKIP = "drill scope: only the strategy and its verification"


def drill_settings(settings: Settings, scenario: Scenario) -> Settings:
    """The settings a drill runs with: its strategies' timeout as the scenario says."""
    if scenario.timeout is None:
        return settings
    names = {part.strategy for part in scenario.plan}
    strategies = [
        s.replace(timeout=scenario.timeout) if s.name in names else s for s in settings.strategies
    ]
    return settings.replace(strategies=strategies)


def recovery_targets(settings: Settings, scenario: Scenario) -> dict[str, float | None]:
    """Each system's recovery-time target: the scenario's, else the system's RTO."""
    inventory = settings.inventory
    return {
        s: scenario.rto_minutes or inventory.system(s).rto_minutes for s in scenario.all_systems
    }


def drill_systems(settings: Settings, scenario: Scenario) -> list[str]:
    """Every system the drill sends a command to, whose locks it holds: those it rolls
    back, and those its faults and its integrity check run on (a fault on a database host
    must not land under another incident there)."""
    inventory = settings.inventory
    hosts = [h for f in scenario.faults for h in (*f.hosts, *filter(None, [f.demo_host]))]
    if scenario.integrity is not None:
        hosts += scenario.integrity.hosts
    named = [s for f in scenario.faults for s in f.systems]
    touched = [*named, *(inventory.system_of(h).name for h in hosts)]
    return list(dict.fromkeys([*scenario.all_systems, *touched]))


def check_scenario(settings: Settings, scenario: Scenario, demo: bool) -> None:
    """Refuse, before anything is recorded, a drill that could not run here."""
    demo_faults = [f.inject for f in scenario.faults if f.inject]
    if demo_faults and not demo:
        raise ProcedureError(
            f"scenario {scenario.name!r} injects demo faults ({', '.join(demo_faults)}):"
            " they exist on the demo fleet only (--demo)"
        )
    for part in scenario.plan:
        check_params(settings.strategy(part.strategy), part.params)
    from console.engine.drill_reach import production_reached

    if not demo and (
        reached := production_reached(settings.inventory, drill_systems(settings, scenario))
    ):
        raise ProcedureError(f"scenario {scenario.name!r}: {'; '.join(reached)}")


def title_of(scenario: Scenario) -> str:
    return f"Drill {scenario.name}: " + (scenario.description or scenario.label)


async def run_scenario(
    conductor: Conductor,
    scenario: Scenario,
    demo: DemoFaults | None = None,
    keys: HostKeys | None = None,
) -> dict[str, Any]:
    """Run `scenario` in the incident `conductor` has opened (as a drill); its verdict."""
    settings, recorder = conductor.settings, conductor.recorder
    targets = recovery_targets(settings, scenario)
    conductor.recovery_targets = targets
    conductor.closing.fleet_gone = demo is not None
    recorder.record(
        Kind.DRILL_STARTED,
        scenario=scenario.name,
        description=scenario.description,
        scope=scenario.scope.value,
        parts=[p.model_dump() for p in scenario.plan],
        trigger=scenario.trigger.value,
        expect=scenario.expect.value,
        # a system with no RTO and no scenario target has none: its verdict says "no target"
        targets={s: t for s, t in targets.items() if t is not None},
        faults=[f.label for f in scenario.faults],
        integrity=scenario.integrity.model_dump() if scenario.integrity else None,
    )
    await accept_keys(conductor, keys or {})
    conductor.select(scenario.all_systems)  # and holds their locks
    stage = Stage(conductor, scenario, demo)
    ok, not_started = False, ""
    aborted: str | None = None  # read before the check and the undo: their runs clear it
    try:
        setup = await stage.take_baseline()
        watcher = detection_watcher(conductor, scenario)
        if watcher is not None and not setup:  # a log's offset, a checksum's known good
            await watcher.first_readings(watcher.keys_for(scenario.all_systems))
        # An abort ends the drill wherever it lands: the next stage's run would clear it.
        if not setup and not conductor.runner.aborted:
            setup = await stage.inject()
        if not setup and not conductor.runner.aborted:
            await fire_trigger(conductor, scenario, watcher)
        if not setup and not conductor.runner.aborted:
            ok, not_started = await roll_back(conductor, scenario)
        aborted = conductor.runner.aborted
        await stage.check_after()
        stage.aborted = aborted or conductor.runner.aborted
    finally:
        await stage.undo()
    aborted = stage.aborted  # one that landed during the check or the undo too
    steps = strategy_steps(settings)
    rolls_back = {part.strategy for part in scenario.plan}
    changing = [  # its own steps that change hosts (a command, a strategy of its own other
        # than the drill's rollback): the drill does not undo them
        (s.id, s.title)
        for s in settings.procedure.steps
        if s.asks and (s.kind is StepKind.COMMAND or s.strategy not in (None, *rolls_back))
    ]
    checks = any(s.kind is StepKind.PROBE for s in settings.procedure.steps)
    # an abort that landed after the rollback was verified (in a status update) fails the
    # drill, but the outcome is the one the record shows, as a run stopped so closes it
    ok = ok or bool(aborted and verified_on_record(conductor, steps))
    # data brought back with nothing to judge it by: rolled back, not verified, as a run's
    ok = ok and not conductor.closing.unjudged_data()
    verdict = judge(conductor.state, scenario, targets, steps, ok, setup, changing, checks)
    if aborted:
        verdict = {
            **verdict,
            "passed": False,
            "findings": [f"aborted: {aborted}", *verdict["findings"]],
        }
    elif not_started and not verdict["passed"]:  # why the outcome is not the one expected
        verdict = {**verdict, "findings": [not_started, *verdict["findings"]]}
    recorder.record(Kind.DRILL_JUDGED, **verdict)
    close_drill(conductor, DrillOutcome(verdict["outcome"]), setup, aborted, not_started)
    return {**verdict, "undelivered": undelivered(conductor)}


def verified_on_record(conductor: Conductor, steps: list[str]) -> bool:
    """Every strategy step done, every host rolled back, and the stability check done
    after (or, with none, a strategy that verifies its hosts)."""
    state = conductor.state
    done = bool(steps) and all(state.step(s).status is StepStatus.DONE for s in steps)
    return done and not conductor.not_rolled_back() and not conductor.unverified()


def undelivered(conductor: Conductor) -> list[str]:
    """Each status update or page of the drill that did not arrive, a line each: the drill
    tests that people are told too, though a channel's warning does not fail it."""
    return [line.strip() for line in notified_lines(conductor.recorder.events)]


def close_drill(
    conductor: Conductor,
    outcome: DrillOutcome,
    setup: list[str],
    aborted: str | None,
    not_started: str = "",
) -> None:
    """Close the drill's incident with the outcome its verdict found (aborted, with the
    reason, when someone aborted a step of it; failed, saying why, when a strategy step
    was not started: its hosts gave no one value for `previous`, as a run closes it)."""
    if setup:
        conductor.close(Outcome.FAILED, f"the drill's set-up failed: {setup[0]}")
    elif aborted:
        conductor.close(Outcome.ABORTED, aborted)
    elif not_started:
        conductor.close(Outcome.FAILED, not_started)
    elif outcome is DrillOutcome.VERIFIED:
        conductor.close(Outcome.ROLLED_BACK)
    elif outcome is DrillOutcome.UNVERIFIED:  # a check that failed, or the data not judged
        stopped = conductor.closing.stopped_at()[0] is not None
        why = conductor.why_stopped()[0] if stopped else conductor.unverified_why()
        conductor.close(Outcome.UNVERIFIED, reason=why)
    elif outcome is DrillOutcome.PARTIAL and conductor.not_rolled_back():
        conductor.close(Outcome.PARTIAL, hosts=conductor.not_rolled_back())
    elif outcome is DrillOutcome.REFUSED:  # as a run closes it, or the precheck that said no
        conductor.close(Outcome.REFUSED, conductor.refused_why() or _said_no(conductor))
    else:  # failed, or halted: the step that stopped the walk, as a failed run says it
        why = conductor.why_stopped()[0]
        said = why if outcome is DrillOutcome.FAILED else f"{outcome.title}: {why}"
        conductor.close(Outcome.FAILED, said)


def _said_no(conductor: Conductor) -> str:
    """Which step's precheck said no, where, and how the step ended."""
    step_id, _ = conductor.closing.stopped_at()
    if step_id is None:
        return "a precheck said no"
    st = conductor.state.step(step_id)
    hosts = [
        h for h, r in st.hosts.items() if r.status is HostStatus.FAILED and r.stage == "precheck"
    ]
    where = f" on {', '.join(hosts)}" if hosts else ""
    return f"“{conductor.step(step_id).title}”: its precheck said no{where} ({st.summary})"


def strategy_steps(settings: Settings) -> list[str]:
    return [s.id for s in settings.procedure.steps if s.kind is StepKind.STRATEGY]


def detection_watcher(conductor: Conductor, scenario: Scenario) -> Watcher | None:
    """The probes of the scenario's systems, for an automatic trigger (else None)."""
    if not scenario.trigger.automatic:
        return None
    return Watcher(
        conductor.settings,
        conductor.pool,
        clock=conductor.recorder.clock,
        recorder=conductor.recorder,
        systems=scenario.all_systems,
    )


async def fire_trigger(conductor: Conductor, scenario: Scenario, watcher: Watcher | None) -> None:
    """An automatic trigger is awaited from the probes of the scenario's systems (a
    bounded number of rounds); the one taken follows the precedence, the others firing
    are its evidence. A manual trigger, or none firing, is declared as the scenario says."""
    systems = scenario.all_systems
    if watcher is None:
        conductor.declare_trigger(scenario.trigger, scenario.reason)
        return
    keys = watcher.keys_for(systems)
    limits = [s.trigger.consecutive for k in keys for s in watcher.readings[k].streaks]
    rounds = max(limits, default=0) + DETECTION_SLACK if limits else 0
    interval = min((watcher.readings[k].probe.interval for k in keys), default=1.0)
    for index in range(rounds):
        if index:
            await watcher.pause(interval, conductor.runner.abort_signal)
        if conductor.runner.aborted:  # the drill ends there: no trigger is declared
            return
        await watcher.round(keys)
        if any(f.trigger.kind is scenario.trigger for f in watcher.firing_now(systems)):
            break
    firing = watcher.firing_now(systems)
    if not firing:
        why = (
            f"no automatic trigger fired on {', '.join(systems)} in {rounds} round(s)"
            if rounds
            else f"no trigger of triggers.toml watches {', '.join(systems)}: none was awaited"
        )
        reason = scenario.reason.strip() or "drill"
        conductor.declare_trigger(scenario.trigger, f"declared by the drill ({why}): {reason}")
        return
    chosen, others = firing[0], firing[1:]
    for each in firing:
        record_firing(conductor.recorder, each)
    reason, evidence = with_others(chosen, others)
    conductor.declare_trigger(chosen.trigger.kind, reason, evidence=evidence, taken_by="the drill")


async def roll_back(conductor: Conductor, scenario: Scenario) -> tuple[bool, str]:
    """Walk the immediate actions and the execution as a headless run does (manual steps
    confirmed by the drill, a strategy step's `previous` asked of its hosts first), each
    part's strategy in turn on its systems, each part's systems verified in turn; with
    scope `strategy`, only those two steps. Whether all succeeded, and why a strategy step
    was not started ('' if none was left so: nothing sent for it)."""
    procedure, plan = conductor.settings.procedure, scenario.plan
    confirm_waves_as(conductor, "the drill")
    conductor.choose_strategy(plan[0].strategy, plan[0].params, _subset(conductor, plan[0]))
    ok, not_started = True, ""
    for step in procedure.steps:
        if procedure.phase_of(step.id) is Phase.POST or conductor.runner.aborted:
            break
        wanted = step.kind in (StepKind.STRATEGY, StepKind.PROBE)
        if not ok and (step.kind is not StepKind.NOTIFY or scenario.scope is Scope.STRATEGY):
            continue  # after a failure only the status updates go, as a run's: people hear
        if scenario.scope is Scope.STRATEGY and not wanted:
            conductor.skip(step.id, SCOPE_SKIP)
        elif step.kind is StepKind.MANUAL:
            conductor.confirm(step.id, note="confirmed by the drill")
        elif pass_over(conductor, step.id) is not None:
            continue  # a step of another system's strategy: skipped, saying why
        elif len(plan) > 1 and wanted and not step.strategy:
            ok, not_started = await _by_part(conductor, step.id, scenario)
        elif step.kind is StepKind.STRATEGY and (
            not_started := await resolve_unattended(conductor, step.id, naming=DRILL_NAMING)
        ):
            ok = False
        elif conductor.runner.aborted:  # while its hosts were asked: the step's run would
            break  # clear it, and send what the abort stopped
        elif step.kind in RUNNABLE and not await conductor.run_step(step.id, out_of_order=not ok):
            ok = False
    return ok and not conductor.runner.aborted, not_started


async def _by_part(conductor: Conductor, step_id: str, scenario: Scenario) -> tuple[bool, str]:
    """A DR exercise: the strategy step once per part (its strategy on its systems, its
    `previous` asked of them first), or the verification once per part, so that each
    system gets its own recovery time."""
    inventory = conductor.settings.inventory
    restore = conductor.step(step_id).kind is StepKind.STRATEGY
    for index, part in enumerate(scenario.plan):
        if restore and index:
            conductor.choose_strategy(part.strategy, part.params, part.systems)
        hosts = [h.name for s in part.systems for h in inventory.system(s).hosts]
        systems = _subset(conductor, part)
        if restore and (
            not_started := await resolve_unattended(
                conductor, step_id, hosts, systems, naming=DRILL_NAMING
            )
        ):
            return False, not_started
        if conductor.runner.aborted or not await conductor.run_step(step_id, only_hosts=hosts):
            return False, ""
    return True, ""


def _subset(conductor: Conductor, part: Part) -> list[str] | None:
    """The part's systems when a strategy is chosen for some of the selected ones."""
    return part.systems if set(part.systems) != set(conductor.state.systems) else None
