"""What a rollback that did not end done leaves changed, and the undo that puts it back:
one sentence per strategy step, said alike by headless `run` and by the console's close
(an aborted incident named no host it left changed, where `run` named them)."""

from __future__ import annotations

from console.model.invocation import again
from console.model.outcome import named, them
from console.model.procedure import StepKind
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState, StepStatus


def left_changed(state: IncidentState, settings: Settings, where: str) -> list[str]:
    """Each strategy step that changed hosts and did not finish done, and the command that
    puts them back (`where`: the incident as `undo` names it): a failed run's last lines
    said which hosts failed, not that their action had run (a restored configuration whose
    health check failed is changed)."""
    if state.drill:  # its faults are undone by the drill itself, its fleet gone after
        return []
    lines = []
    for step in settings.procedure.steps:
        st = state.step(step.id)
        strategy = step.strategy or state.strategy
        if step.kind is not StepKind.STRATEGY or st.status is StepStatus.DONE or not strategy:
            continue
        if not settings.strategy(strategy).commands.undo:
            continue
        # put back by its undo after the step last ran there (not before: run again
        # since, the step changed them again, and the undo's plan goes there again)
        undone = state.undone_hosts(step.id)
        ok, unsure = HostStatus.SUCCEEDED, (HostStatus.UNKNOWN, HostStatus.RUNNING)
        left = sorted(
            h
            for h in st.changed
            if h not in undone
            and st.hosts[h].status not in unsure  # verified first: said where they are
        )
        # a host whose action itself failed may be as it was (a migration's transaction
        # rolled back): said so, not "changed"; its undo refuses where nothing changed
        stopped = [
            h for h in left if st.hosts[h].stage == "action" and st.hosts[h].status is not ok
        ]
        sure = [h for h in left if h not in stopped]
        said = _changed(sure, st.status, {h: st.hosts[h].status for h in sure})
        said += _stopped(stopped, {h: st.hosts[h].status for h in stopped})
        if said:
            lines.append(
                f"“{step.title}” {', and '.join(said)}: to put {them(left)} back,"
                f" {again(f'undo {where} {step.id} --dry-run')}, then without --dry-run"
            )
    return lines


def _changed(hosts: list[str], step: StepStatus, each: dict[str, HostStatus]) -> list[str]:
    """`changed app-1, app-2 (failed)`, the step's status where the hosts share it; hosts
    whose own run ended otherwise say so (`changed web-1, web-3 (succeeded there; the step
    failed)`, a re-enable's `(held there; the step failed)`): the step's word alone read as
    theirs, where a configuration restore failed only on the hosts with no revision to go
    back to, or a re-enable's stage failed on one host and held the others."""
    groups: dict[HostStatus, list[str]] = {}
    for host in hosts:
        groups.setdefault(each[host], []).append(host)
    said = []
    for status, group in groups.items():
        own = step.value != status.value
        why = f"{status.value} there; the step {step.value}" if own else step.value
        said.append(f"changed {named(group, 5)} ({why})")
    return said


def _stopped(hosts: list[str], each: dict[str, HostStatus]) -> list[str]:
    """`may have changed db-1 (its action failed there)`; an abort's hosts, whose action
    was stopped midway, say that (they read "failed", a word for what the host did)."""
    groups: dict[bool, list[str]] = {}
    for host in hosts:
        groups.setdefault(each[host] is HostStatus.ABORTED, []).append(host)
    said = []
    for aborted, group in groups.items():
        whose = "its action" if len(group) == 1 else "their actions"
        how = "were stopped midway" if len(group) > 1 else "was stopped midway"
        said.append(
            f"may have changed {named(group, 5)} ({whose} {how if aborted else 'failed'} there)"
        )
    return said


def not_started(state: IncidentState, settings: Settings) -> list[str]:
    """Each strategy step a failed step before it kept from starting: nothing of it was
    sent. Walked: a `run` whose halt failed on a host that refused the connection ended
    'FAILED: “Halt current delivery process” failed (1 failed, 1 succeeded)', and nothing
    said whether the rollback had run, nor what to do (its --help: "the last lines say why
    and how to go on"). Where a strategy step ran before (done, or it changed hosts), that
    is said instead of 'nothing was rolled back', and no run again is offered over it."""
    lines, failed, done, changed = [], [], [], False
    for step in settings.procedure.steps:
        st = state.step(step.id)
        if step.kind is StepKind.STRATEGY:
            changed = changed or st.status is StepStatus.DONE or bool(st.changed)
            done += [f"“{step.title}”"] if st.status is StepStatus.DONE else []
        if st.status is StepStatus.FAILED:
            failed.append(f"“{step.title}”")
        elif step.kind is StepKind.STRATEGY and st.status is StepStatus.PENDING and failed:
            why = f"“{step.title}” was not started, {' and '.join(failed)} having failed before it"
            if not changed:
                lines.append(f"nothing was rolled back: {why}; once that is fixed, run again")
            else:  # what changed hosts is said above it (a step left changed) or here
                lines.append(f"{why}, after {' and '.join(done)} had run" if done else why)
    return lines
