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
from datetime import datetime
from typing import Literal

from console.engine.resolved import Resolved
from console.model.events import Event, Kind
from console.model.payloads import StrategyResolved
from console.model.payloads.choices import ResolvedHosts
from console.model.procedure import Procedure, StepKind
from console.model.waves import named_some

# steps whose commands act on the pipeline or read the hosts (a procedure's own)
_READS = (StepKind.COMMAND, StepKind.PROBE)
Said = Literal["value", "current", "said"]  # what a group of hosts answered


def _latest(events: Sequence[Event], step_id: str) -> int | None:
    """Where the step's latest `strategy.resolved` is in `events`."""
    return next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if events[i].kind == Kind.STRATEGY_RESOLVED and events[i].where.step == step_id
        ),
        None,
    )


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
    at = _latest(events, step_id)
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
    for e in events[_since(events, at, found.asked_at) :]:
        if e.kind != Kind.COMMAND_INTENT or e.where.host not in wanted:
            continue
        step = steps.get(e.where.step or "")
        if step is None or step.kind not in _READS:
            by = f"“{step.title}”" if step else _outside(events, e.where.step)
            return f"{by} sent commands to {e.where.host} since they answered"
    return ""


def _since(events: Sequence[Event], at: int, asked_at: str | None) -> int:
    """The first event after the hosts answered: the one after their record, or, asked
    before it was recorded (the console's question, its yes later; `run --param` before
    the incident opened), the first recorded since the asking (a command sent to them
    while the question was open counts)."""
    since = at + 1
    if asked_at:
        asked = datetime.fromisoformat(asked_at)
        while since > 0 and events[since - 1].ts >= asked:
            since -= 1
    return since


def _outside(events: Sequence[Event], step_id: str | None) -> str:
    """`“Ad-hoc: systemctl restart storefront”`: a step outside the procedure, by the
    title it started with; `a command outside the steps` where none is recorded."""
    started = (e for e in events if e.kind == Kind.STEP_STARTED and e.where.step == step_id)
    title = next((t for e in started if (t := getattr(e.data, "title", ""))), "")
    return f"“{title}”" if title else step_id or "a command outside the steps"


def answered(events: Sequence[Event], step_id: str, hosts: Sequence[str]) -> Resolved | None:
    """What `hosts` answered for `step_id` (its latest `strategy.resolved`), as asked then,
    the step going with it where it is fresh (the console's confirmation says it again,
    and when it was asked, asking nothing); None where nothing is on record."""
    at = _latest(events, step_id)
    if at is None:
        return None
    event = events[at]
    found, wanted = event.payload(StrategyResolved), set(hosts)

    def by_host(groups: Sequence[ResolvedHosts], key: Said) -> dict[str, str]:
        return {h: g.get(key, "") for g in groups for h in g.get("hosts", []) if h in wanted}

    values, current = by_host(found.groups, "value"), by_host(found.groups, "current")
    return Resolved(
        found.param,
        found.symbolic,
        {h: v for h, v in values.items() if v},
        by_host(found.groups, "said"),
        by_host(found.refused, "said"),
        by_host(found.nothing, "said"),
        current={h: c for h, c in current.items() if c},
        given=bool(found.given),
        asked_at=found.asked_at or event.ts.isoformat(timespec="seconds"),
        reused=True,
    )
