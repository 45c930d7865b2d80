"""What a recovery's undo does, said before it runs: it puts back the data the recovery
replaced, bad data included; where the action did not finish, as the journal says, it
finds something else there (a restore cut short once it had stopped the cluster, before
it replaced the data: its undo starts that cluster again)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def recovery_undone(
    strategy: Strategy,
    where: str,
    hosts: int,
    unfinished: list[str],
    otherwise: Mapping[str, str] | None = None,
) -> str:
    """What a recovery's undo does: puts back the data it replaced, bad data included;
    where its action did not finish (`unfinished`), a PostgreSQL preset's restarts the
    cluster that action stopped, if it replaced nothing (seen: "puts back the data the
    recovery replaced" over an undo that only started a stopped cluster); where its hosts
    said it puts nothing back (`otherwise`: their words, asked before the yes), what it
    does there instead (seen: the same words over an undo after an earlier one had put the
    data back and its cluster had not started: this one only starts it)."""
    back = "puts back the data the recovery replaced"
    otherwise = otherwise or {}
    unfinished = [h for h in unfinished if h not in otherwise]
    instead = "; ".join(f"on {h}: {said}" for h, said in otherwise.items())
    if not unfinished:
        if not otherwise:
            return f"its undo {back} {where}, bad data included"
        if len(otherwise) == hosts:
            return f"its undo puts nothing back {instead}"
        return f"its undo {back} on the others, bad data included, and puts nothing back {instead}"
    there = "its undo undoes what it got to there"
    if (strategy.preset or "").startswith("postgres-"):
        there = (
            "where it stopped the cluster and replaced nothing, its undo starts that cluster"
            " again on its own data; where it replaced the data, it puts that back, bad data"
            " included"
        )
    unfinished_said = f"its action did not finish on {named(unfinished)}: {there}"
    if instead:
        unfinished_said += f"; it puts nothing back {instead}"
    if len(unfinished) + len(otherwise) == hosts:
        return unfinished_said
    return f"its undo {back} where the recovery finished, bad data included; {unfinished_said}"


def migration_undone(strategy: Strategy, where: str) -> str:
    """What a migration reversal's undo does, where it is its preset's own: it migrates up
    again, and the data its down migrations dropped stays gone (seen: "puts back what the
    action changed" over an undo whose hosts then said "data the down migrations dropped
    does not come back"); '' for another kind, or an undo of the configuration's own."""
    if strategy.kind is not StrategyKind.MIGRATION_REVERSAL or not strategy.undo_is_presets():
        return ""
    return (
        f"its undo migrates the schema up again {where}, to where this incident's reversal"
        " began; the data its down migrations dropped does not come back"
    )
