"""What a preset is: a built-in kind's real, documented commands, as typed templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from console.model.kinds import RunsOn, StrategyKind
from console.model.param_types import ParamType
from console.model.params import Parameter

STAGES = ("precheck", "action", "verify", "undo")


@dataclass(frozen=True)
class Preset:
    """Commands for one kind of strategy on one kind of host setup.

    A configuration names it with `preset = "..."` and may still override any stage or
    any parameter's keys by name.
    """

    kind: StrategyKind
    name: str
    summary: str
    params: tuple[Parameter, ...]
    action: str
    precheck: str | None = None
    verify: str | None = None
    undo: str | None = None
    data_touching: bool = False
    runs_on: RunsOn = RunsOn.HOSTS
    default: bool = False  # the kind's commands when a strategy names no preset
    needs: tuple[str, ...] = ()  # what must exist on the host, for the documentation
    # Parameters of which one at most may be given (not empty): two recovery targets.
    exclusive: tuple[tuple[str, ...], ...] = ()

    def commands(self) -> dict[str, str]:
        return {s: t for s in STAGES if (t := getattr(self, s))}

    def contradiction(self, values: Mapping[str, object]) -> list[str]:
        """The names of an exclusive group that `values` (by name) all give, if two or
        more; else none."""
        for names in self.exclusive:
            given = [n for n in names if values.get(n)]
            if len(given) > 1:
                return given
        return []


def param(
    name: str,
    description: str,
    *,
    type: ParamType = ParamType.STRING,
    default: str | None = None,
    pattern: str | None = None,
    required: bool = False,
    secret: bool = False,
) -> Parameter:
    return Parameter(
        name=name,
        type=type,
        default=default,
        pattern=pattern,
        required=required,
        description=description,
        secret=secret,
    )


def run_optional(name: str, what: str, done: str = "") -> str:
    """Shell that runs the command held by parameter `name` unless it is empty; its
    failure says `done`, what the script had already changed, when given."""
    already = f" ({done})" if done else ""
    return f"""\
cmd={{{{{name}}}}}
if [ -n "$cmd" ]; then
  sh -c "$cmd" || {{ echo "{what} failed: $cmd{already}" >&2; exit 1; }}
fi
"""


# Parameters more than one family shares.
RESTART = param(
    "restart",
    "command that restarts or reloads the service after the change; empty: none",
    default="",
)
CHECK = param(
    "check",
    "health command run by verify (exit 0 = healthy); empty: no health command",
    default="",
)
