"""A step's groups one after another, fleet-wide: one group for most steps; a gradual
re-enable's percentage stages, each checked on every host, paused after, its systems'
probes read (`console.engine.stage_probes`) and confirmed as its strategy says, held where
it stops (`rollout.step`, `rollout.held`). Between a strategy's waves too, the probes are
read before the next wave starts."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from console.engine.plan import GroupsFor, Planned
from console.engine.run_plan import AskBetween, HostOutcome, ProbeBetween, StagesFor
from console.model.events import Kind
from console.model.kinds import share
from console.model.status import HostStatus
from console.model.step_state import held_by_refusals

if TYPE_CHECKING:
    from console.engine.runner import Runner
    from console.engine.stage_probes import Watching
    from console.engine.targets import Target
    from console.journal.recorder import Recorder
    from console.model.procedure import Step

NOBODY = "nobody was asked to go on"  # why a rollout that asks was held, run headless
_STILL = " (read again before the next stage: nothing sent)"  # a held rollout's retry


async def run_stages(
    runner: Runner,
    step: Step,
    planned: Planned,
    attempt: int,
    confirm_wave: AskBetween | None,
    tries: dict[str, int],
    watching: Watching | None = None,
) -> dict[str, HostOutcome]:
    """Groups one after another, fleet-wide, from the plan's first; a rollout stops at
    its first bad check (the hosts that passed it are held at that stage), is held where
    a probe of its systems (`watching()`'s) is not healthy after a stage's pause, and
    where its next stage is not confirmed. A held rollout goes on only once its probes
    read healthy again."""
    recorder = runner.recorder
    strategy, targets, groups_for = planned.strategy, planned.targets, planned.groups_for
    count = len(groups_for(targets[0])) if targets else 0
    outcomes: dict[str, HostOutcome] = {}
    if planned.start and watching is not None:
        from console.engine.stage_probes import probe_stage  # the probes' machinery

        if unhealthy := await probe_stage(recorder, watching, step.id, planned, planned.start - 1):
            outcomes = {t.name: HostOutcome(t.name, HostStatus.SUCCEEDED) for t in targets}
            _hold(recorder, step.id, planned, planned.start - 1, outcomes, unhealthy + _STILL)
            return outcomes  # nothing sent: every host stays where it was held
    plan = planned.run
    for index in range(planned.start, count):
        if watching is not None and strategy is not None:
            # From its second stage on, every target runs the stage before: changed by
            # this step, judged between the waves too (not only the hosts of this stage).
            before = [t.name for t in targets] if index else []
            plan = dataclasses.replace(
                planned.run, probe_between=_probe_between(runner, step, targets, watching, before)
            )
        if count > 1 and len(planned.values) == count:  # its waves say which stage they are
            stage = (index + 1, count, share(planned.values[index]))
            plan = dataclasses.replace(plan, stage=stage)
        result = await runner.run(
            step.id,
            targets,
            _nth_group(groups_for, index),
            attempt=attempt,
            plan=plan,
            tries=tries,
        )
        outcomes.update(result)
        if count == 1 or runner.detached or runner.hung_up:
            break
        assert strategy is not None  # several groups: a gradual re-enable
        if all(o.status is HostStatus.REFUSED for o in result.values()):
            break  # every precheck refused: no stage was set anywhere
        ok = all(o.status is HostStatus.SUCCEEDED for o in result.values())
        last = index == count - 1
        # Not those a halt between the stage's waves left not started (a no, a probe).
        left = (HostStatus.SUCCEEDED, HostStatus.REFUSED, HostStatus.NOT_STARTED)
        failed = sorted(h for h, o in result.items() if o.status not in left)
        # On record as it ended, before its pause, its probes and the question after it (a
        # hold there is a record of its own): it read after them, headless and in the
        # document's timeline ('stage 2 of 3 confirmed', then 'step 1 of 3: 5% ok').
        recorder.record(
            Kind.ROLLOUT_STEP,
            step=step.id,
            strategy=strategy.name,
            percent=share(planned.values[index]),
            index=index + 1,
            of=count,
            ok=ok,
            go_on=ok and not last,
            failed=failed,
        )
        unhealthy = ""  # why the probes read after the stage hold it there
        read_at = 0.0  # when they were read (stage_probes.read_time)
        if ok and not last:
            pause = strategy.waves.pause_seconds
            shares = {"percent": share(planned.values[index])}
            shares["next_percent"] = share(planned.values[index + 1])
            await runner.pause(step.id, "stage", index + 1, count, pause, **shares)
            if watching is not None and not runner.aborted and not runner.detached:
                from console.engine.stage_probes import probe_stage, read_time

                unhealthy = await probe_stage(recorder, watching, step.id, planned, index)
                read_at = read_time()
            if runner.detached or runner.hung_up:
                break
        # An abort between stages stops the rollout (the next stage's run would arm
        # the runner again, and go on).
        aborted = runner.aborted
        asked = ok and not last and not aborted and not unhealthy and strategy.waves.confirm
        go_on = (
            ok
            and not last
            and not aborted
            and not unhealthy
            and (not asked or await _confirmed(confirm_wave, planned, index))
        )
        if go_on and asked and watching is not None and not runner.aborted:
            from console.engine.stage_probes import probe_stage, read_again

            if read_again(watching, targets, read_at):
                again = await probe_stage(recorder, watching, step.id, planned, index, True)
                unhealthy, go_on = again, not again
        if go_on:
            continue
        if unhealthy and not aborted:  # every host passed the stage: held there
            _hold(recorder, step.id, planned, index, outcomes, unhealthy)
        elif asked:
            why = "the next stage was not confirmed"
            _hold(recorder, step.id, planned, index, outcomes, why if confirm_wave else NOBODY)
        elif not last and failed:  # the hosts that passed stay at this stage: held
            why = f"stage {index + 1} failed on {', '.join(failed)}"
            _hold(recorder, step.id, planned, index, outcomes, why)
        elif not last and aborted:
            _hold(recorder, step.id, planned, index, outcomes, f"aborted: {aborted}")
        elif not last and runner.halted:  # between the stage's waves: some not started
            _hold(recorder, step.id, planned, index, outcomes, runner.halted)
        elif not last:  # no host failed: some prechecks refused, and the others are held
            refused = recorder.state.step(step.id).refused()
            why = held_by_refusals({h: refused[h] for h in result if h in refused})
            _hold(recorder, step.id, planned, index, outcomes, why)
        break
    return outcomes


def _hold(
    recorder: Recorder,
    step_id: str,
    planned: Planned,
    index: int,
    outcomes: dict[str, HostOutcome],
    reason: str,
) -> None:
    """The hosts that passed stage `index` (from 0) stay there: held, neither done nor
    failed (the rollout stopped there, for `reason`)."""
    assert planned.strategy is not None
    held = sorted(h for h, o in outcomes.items() if o.status is HostStatus.SUCCEEDED)
    if not held:
        return
    for host in held:
        outcomes[host].status = HostStatus.HELD
    recorder.record(
        Kind.ROLLOUT_HELD, step=step_id, **stage_data(planned, index), hosts=held, reason=reason
    )


def _probe_between(
    runner: Runner, step: Step, targets: list[Target], watching: Watching, before: list[str]
) -> ProbeBetween:
    """The systems' probes read between a strategy's waves, as between its stages, on the
    hosts changed so far: this run's, those an earlier run of the step changed (a retry
    goes on with the hosts not started: the canary of the first run is judged too), and
    `before`: those at a gradual strategy's stage before this one."""
    names = {t.name for t in targets}
    hosts = runner.recorder.state.step(step.id).hosts
    earlier = [h for h, s in hosts.items() if s.status is HostStatus.SUCCEEDED and h not in names]

    read_at = 0.0

    async def probe(done: int, of: int, changed: list[str], again: bool) -> str:
        from console.engine.stage_probes import probe_wave, read_again, read_time

        nonlocal read_at
        if again and not read_again(watching, targets, read_at):
            return ""  # a yes given before any probe could read again: that round stands
        wave, judged = (done, of), list(dict.fromkeys([*earlier, *before, *changed]))
        said = await probe_wave(runner.recorder, watching, step.id, targets, wave, judged, again)
        read_at = read_time()
        return said

    return probe


def stage_data(planned: Planned, index: int) -> dict[str, Any]:
    """What records of stage `index` (from 0) of a gradual strategy say of it: the
    strategy, the stage (from 1) of how many, its share and the next one's."""
    assert planned.strategy is not None
    return {
        "strategy": planned.strategy.name,
        "percent": share(planned.values[index]),
        "index": index + 1,
        "of": len(planned.values),
        "next_percent": share(planned.values[index + 1]),
    }


async def _confirmed(confirm_wave: AskBetween | None, planned: Planned, index: int) -> bool:
    """Between percentage steps that say confirm: the commander's yes (no one to ask: no),
    asked with the share stage `index` (from 0) set and the next one's."""
    if confirm_wave is None:
        return False
    stage = stage_data(planned, index)
    shares = (stage["percent"], stage["next_percent"])
    return await confirm_wave("stage", index + 1, stage["of"], (), shares)


def _nth_group(groups_for: GroupsFor, index: int) -> StagesFor:
    """The stages of group `index`, per target."""
    return lambda target: groups_for(target)[index]
