"""The strategy kinds the procedure names (rollback-procedures.md: rollback strategies),
and what sets one apart, in one table: STRATEGY_KINDS."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from console.model.procedure import Step
    from console.model.settings import Settings
    from console.model.state import IncidentState


class StrategyKind(StrEnum):
    VERSION_ROLLBACK = "version-rollback"
    MIGRATION_REVERSAL = "migration-reversal"
    CONFIG_RESTORE = "config-restore"
    FEATURE_TOGGLE_OFF = "feature-toggle-off"
    FEATURE_REENABLE = "feature-reenable"
    BACKUP_RESTORE = "backup-restore"
    LOG_REPLAY = "log-replay"
    POINT_IN_TIME = "point-in-time"
    CUSTOM = "custom"


class Stepping(NamedTuple):
    """A gradual kind: the action (and the verify after it) run once per value of the
    parameter `param`, a comma-separated list, each value given to the commands as
    {{value}}; the hosts go from one value to the next only when every host's verify
    passed (and the waves' confirm says so)."""

    param: str
    value: str
    default: str
    unit: str = ""  # after the value in stage names: "set 25%"

    def values(self, params: dict[str, str]) -> list[str]:
        """The stages' values, in order, from the chosen parameters."""
        return [v.strip() for v in params.get(self.param, self.default).split(",")]


def share(value: str) -> int | float:
    """A stage's value as its records hold it: `25` is 25, `12.5` is 12.5 (a strategy of
    its own may step by fractions: read as a whole number, `12.5` ended the run with an
    internal error after its first stage was sent). ValueError for what is no number."""
    number = int(value) if value.isdigit() else float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a number")
    return number


def stage_problem(stepping: Stepping, values: list[str]) -> str | None:
    """Why the stages `values` of a gradual kind cannot run (each is recorded as its
    share), or None: check-config refuses it in a default, the engine in a value given.
    Each is a number, rising; a percentage more than 0 and at most 100 (`25,150` would
    write 150 into the flags, `50,25` turn the rollout back down as it "re-enables")."""
    said = f"{stepping.param} = {','.join(values)!r}"
    example = f"a share in {stepping.unit or 'its unit'}, as 5,25,100"
    for value in values:
        try:
            share(value)
        except ValueError:
            return f"{said}: stage {value!r} is not a number ({example})"
    shares = [share(value) for value in values]
    over = [v for v in values if not 0 < share(v) <= 100]
    if stepping.unit == "%" and over:
        return (
            f"{said}: stage {over[0]!r} is not a share of more than 0 and at most 100 % ({example})"
        )
    if back := next((i for i in range(1, len(shares)) if shares[i] <= shares[i - 1]), None):
        return (
            f"{said}: stage {values[back]!r} does not rise above {values[back - 1]!r} before it"
            f" ({example})"
        )
    return None


class KindInfo(NamedTuple):
    """What the engine and the loader need to know of a kind beyond its presets."""

    kind: StrategyKind
    # No preset: the configuration writes the commands (custom).
    own_commands: bool = False
    stepping: Stepping | None = None
    # What its hosts are once it ran, as a close says it: "re-enabled and verified".
    done: str = "rolled back"


STRATEGY_KINDS: dict[StrategyKind, KindInfo] = {
    info.kind: info
    for info in (
        KindInfo(StrategyKind.VERSION_ROLLBACK),
        KindInfo(StrategyKind.MIGRATION_REVERSAL),
        KindInfo(StrategyKind.CONFIG_RESTORE),
        KindInfo(StrategyKind.FEATURE_TOGGLE_OFF),
        KindInfo(
            StrategyKind.FEATURE_REENABLE,
            stepping=Stepping("steps", "percent", "100", "%"),
            done="re-enabled",
        ),
        KindInfo(StrategyKind.BACKUP_RESTORE),
        KindInfo(StrategyKind.LOG_REPLAY),
        KindInfo(StrategyKind.POINT_IN_TIME),
        KindInfo(StrategyKind.CUSTOM, own_commands=True),
    )
}


# The stage that runs on the target host over SSH wherever the strategy's others run
# ("health", or "health 25%" in a gradual kind).
HEALTH = "health"


def is_health(stage: str) -> bool:
    return stage == HEALTH or stage.startswith(f"{HEALTH} ")


class RunsOn(StrEnum):
    """Where a strategy's commands run: on each target host over SSH, or on the jump host
    (once per target host, with its name in {{host}}), e.g. to call a service's API."""

    HOSTS = "hosts"
    JUMP_HOST = "jump-host"


def done_by(settings: Settings, state: IncidentState, step: Step | None = None) -> str:
    """What the incident's strategy (or the one `step` names) leaves its hosts, as its
    close says it: `rolled back`, or `re-enabled` after a gradual re-enable."""
    known = {s.name: s for s in settings.strategies}
    strategy = known.get((step.strategy if step else None) or state.strategy or "")
    return STRATEGY_KINDS[strategy.kind].done if strategy else "rolled back"


def no_verify(settings: Settings, state: IncidentState, step_id: str) -> str:
    """Why V has no verify to run on `step_id`'s unknown hosts (`a command step has no
    verify command`): it then only asks whether the attempt still runs there. "" when the
    step's strategy has a verify."""
    from console.model.procedure import StepKind
    from console.model.step_state import is_drill_stage, undoes

    step = next((s for s in settings.procedure.steps if s.id == step_id), None)
    if step is None and is_drill_stage(step_id):  # its fault, its undo, its integrity check
        return "a drill's own command has no verify command"
    if step is None:
        return f"an {'undo' if undoes(step_id) else 'ad-hoc command'} has no verify command"
    if step.kind is not StepKind.STRATEGY:
        return f"a {step.kind} step has no verify command"
    known = {s.name: s for s in settings.strategies}
    strategy = known.get(step.strategy or state.strategy or "")
    if not known:  # a follower's settings, read from the journal, name no strategy: a
        return ""  # strategy step's has a verify, as the fold says (no_verify_to_run)
    if strategy is None or not strategy.commands.verify:
        return f"strategy {strategy.name if strategy else '?'!r} has no verify command"
    return ""
