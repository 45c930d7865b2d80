"""What a recovery's undo does, said before it runs: it puts back the data the recovery
replaced, bad data included; where the action did not finish, as the journal says, it
finds something else there (a restore cut short once it had stopped the cluster, before
it replaced the data: its undo starts that cluster again)."""

from __future__ import annotations

from collections.abc import Iterable

from console.model.events import Event, Kind
from console.model.kinds import StrategyKind
from console.model.outcome import named
from console.model.payloads import CommandIntent, CommandResult
from console.model.status import says_undo_first
from console.model.strategies import Strategy

RECOVERIES = (StrategyKind.BACKUP_RESTORE, StrategyKind.LOG_REPLAY, StrategyKind.POINT_IN_TIME)


def unfinished_actions(events: Iterable[Event], step: str, hosts: list[str]) -> list[str]:
    """Those of `hosts` whose latest action in `step` was sent and did not end well: no
    result (cut off), aborted, or failed other than saying the undo goes first (which a
    restore says once it has replaced the data directory)."""
    ended: dict[str, bool] = {}
    wanted = set(hosts)
    for event in events:
        host = event.where.host
        if event.where.step != step or host not in wanted:
            continue
        if event.kind == Kind.COMMAND_INTENT and event.payload(CommandIntent).stage == "action":
            ended[host] = False
        elif isinstance(event.data, CommandResult) and event.data.stage == "action":
            result = event.data
            ended[host] = (result.exit_status == 0 and not result.aborted) or says_undo_first(
                result.exit_status, result.stage
            )
    return [h for h in hosts if ended.get(h) is False]


def recovery_undone(strategy: Strategy, where: str, hosts: int, unfinished: list[str]) -> str:
    """What a recovery's undo does: puts back the data it replaced, bad data included;
    where its action did not finish (`unfinished`), a PostgreSQL preset's restarts the
    cluster that action stopped, if it replaced nothing (seen: "puts back the data the
    recovery replaced" over an undo that only started a stopped cluster)."""
    back = "puts back the data the recovery replaced"
    if not unfinished:
        return f"its undo {back} {where}, bad data included"
    there = "its undo undoes what it got to there"
    if (strategy.preset or "").startswith("postgres-"):
        there = (
            "where it stopped the cluster and replaced nothing, its undo starts that cluster"
            " again on its own data; where it replaced the data, it puts that back, bad data"
            " included"
        )
    unfinished_said = f"its action did not finish on {named(unfinished)}: {there}"
    if len(unfinished) == hosts:
        return unfinished_said
    return f"its undo {back} where the recovery finished, bad data included; {unfinished_said}"
