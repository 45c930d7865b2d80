"""Whether the hosts are asked again of a value named outright (`target=2.9.0`) at its
step, or their answers recorded in this incident (`strategy.resolved`, `given`: `run
--param` asks them once the locks are held, and records them as the incident opens) are
what the step goes with. They are fresh while they are this step's, of the same strategy
and value, from every host the step runs on, and no command that could change them was
sent to those hosts since: one of a strategy step (its precheck writes `.rollback/`, its
action moves the release, the revision, the schema that the resolve reads; its undo, a
drill's fault) or one outside any step. The procedure's command and probe steps (the
delivery halted, the state assessed, read again) are not counted: they act on the
pipeline and read. Whatever was asked, each host's precheck checks the value again just
before its action there: a release removed meanwhile is refused there, nothing changed."""

from __future__ import annotations

from collections.abc import Sequence

from console.model.events import Event, Kind
from console.model.payloads import StrategyResolved
from console.model.procedure import Procedure, StepKind
from console.model.waves import named_some

# steps whose commands act on the pipeline or read the hosts (a procedure's own)
_READS = (StepKind.COMMAND, StepKind.PROBE)


def asked_again(
    events: Sequence[Event],
    procedure: Procedure,
    step_id: str,
    asked: tuple[str, str, str],
    hosts: Sequence[str],
) -> str | None:
    """Why the hosts are asked again of `asked` (strategy, parameter, value) for `step_id`
    on `hosts`: '' where the answers recorded are fresh (not asked again); None where
    none are recorded for it (asked, as ever)."""
    at = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if events[i].kind == Kind.STRATEGY_RESOLVED and events[i].where.step == step_id
        ),
        None,
    )
    if at is None or not (found := events[at].payload(StrategyResolved)).given:
        return None
    if (found.strategy, found.param, found.symbolic) != asked:
        return f"they answered of {found.param}={found.symbolic} ({found.strategy}) before"
    answered = {
        h for g in (*found.groups, *found.nothing, *found.refused) for h in g.get("hosts", [])
    }
    if new := [h for h in hosts if h not in answered]:
        return f"{named_some(new, 3)} {'was' if len(new) == 1 else 'were'} not asked then"
    steps, wanted = {s.id: s for s in procedure.steps}, set(hosts)  # a set: 1,000 hosts
    for e in events[at + 1 :]:
        if e.kind != Kind.COMMAND_INTENT or e.where.host not in wanted:
            continue
        step = steps.get(e.where.step or "")
        if step is None or step.kind not in _READS:
            by = f"“{step.title}”" if step else e.where.step or "a command outside the steps"
            return f"{by} sent commands to {e.where.host} since they answered"
    return ""
