"""The table of presets: real, documented commands for the built-in strategy kinds.

One module per family; adding a preset is one `Preset` row in its family's module.
A strategy names one with `preset = "..."`; a kind's default preset applies to a
strategy that names none and gives no action of its own. A built-in kind with neither
commands nor a preset is refused: the console never guesses what to send.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, NoReturn

from console.model.kinds import STRATEGY_KINDS, StrategyKind

if TYPE_CHECKING:
    from collections.abc import Mapping

    from console.model.presets.base import Preset


@functools.cache
def all_presets() -> dict[tuple[StrategyKind, str], Preset]:
    """Every preset by (kind, name). Built on first use: its ~90 parameters are validated
    models, and a configuration whose strategies all bring their own commands (custom
    kinds, or an action of their own) never needs them (`exec`'s start-up, issue 18)."""
    from console.model.presets import (
        flag_service,
        gitconfig,
        migrations,
        postgres,
        releases,
        toggles,
    )

    return {
        (p.kind, p.name): p
        for family in (releases, toggles, flag_service, gitconfig, migrations, postgres)
        for p in family.PRESETS
    }


def presets_of(kind: StrategyKind) -> list[Preset]:
    return [p for (k, _), p in all_presets().items() if k is kind]


def default_preset(kind: StrategyKind) -> Preset | None:
    return next((p for p in presets_of(kind) if p.default), None)


def find_preset(kind: StrategyKind, name: str) -> Preset:
    """The named preset of `kind`, or a ValueError that says what exists."""
    presets = all_presets()
    if (kind, name) in presets:
        return presets[(kind, name)]
    names = [p.name for p in presets_of(kind)]
    if not names:
        raise ValueError(f"kind {kind.value!r} has no presets; write its [strategies.commands]")
    message = f"preset {name!r} is not a preset of kind {kind.value!r}"
    elsewhere = sorted(k.value for (k, n) in presets if n == name)
    if elsewhere:
        message += f" (it is one of kind {', '.join(map(repr, elsewhere))})"
    else:
        from console.model.problems import did_you_mean  # only to refuse a name

        message += did_you_mean(name, names)
    raise ValueError(f"{message}; its presets: {', '.join(names)}")


def with_preset(raw: dict[str, Any]) -> dict[str, Any]:
    """A strategy's raw config with its preset's parameters and commands filled in.

    Params merge by name, key by key (configured keys win); command stages merge one by
    one, so a configuration may override only `verify`.
    """
    try:
        kind = StrategyKind(str(raw.get("kind")))
    except ValueError:
        return raw  # the model reports the unknown kind
    commands = raw.get("commands")
    own_action = isinstance(commands, dict) and commands.get("action")
    name = raw.get("preset")
    if isinstance(name, str):
        preset = find_preset(kind, name)
    elif name is not None or own_action or STRATEGY_KINDS[kind].own_commands:
        return raw
    else:
        preset = default_preset(kind) or _refuse(kind)
    out = dict(raw)
    params = [p if isinstance(p, dict) else p.dumped() for p in raw.get("params", [])]
    given = {p.get("name"): p for p in params}
    merged = [{**p.dumped(), **given.pop(p.name, {})} for p in preset.params]
    out["params"] = merged + list(given.values())
    if commands is None or isinstance(commands, dict):
        out["commands"] = {**preset.commands(), **(commands or {})}
    defaults = {str(p.get("name")): p.get("default") for p in merged}
    out.setdefault("description", summary_with(preset.summary, defaults))
    out.setdefault("data_touching", preset.data_touching)
    out.setdefault("runs_on", preset.runs_on.value)
    return out


def summary_with(summary: str, values: Mapping[str, object]) -> str:
    """A preset's summary for a strategy: each `{name}` in it reads that parameter's value
    (a gradual re-enable's steps: `10, 50, 100 %`), a list's items one comma apart."""
    for name, value in values.items():
        items = (item.strip() for item in str(value).split(","))
        summary = summary.replace("{" + name + "}", ", ".join(item for item in items if item))
    return summary


def _refuse(kind: StrategyKind) -> NoReturn:
    names = [p.name for p in presets_of(kind)]
    hint = f"name a preset ({', '.join(names)}) or " if names else ""
    raise ValueError(
        f"commands.action is missing: kind {kind.value!r} has no default commands;"
        f" {hint}write [strategies.commands] action"
    )
