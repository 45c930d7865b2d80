"""The strategy parameters a command is given (`run`, `drill`, `undo`): `--param
NAME=VALUE`, `--param-env NAME=VARIABLE`, and an undo's `--param-default NAME`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.cli.parser import UsageError

if TYPE_CHECKING:
    from console.model.settings import Settings
    from console.model.strategies import Strategy


def given_params(settings: Settings, args: argparse.Namespace) -> tuple[Settings, dict[str, str]]:
    """The values given by --param and --param-env, each name once; the settings mask
    the variables' values as [redact] env does."""
    params: dict[str, str] = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        if name in params and params[name] != value:  # which one was meant: not guessed
            raise UsageError(f"--param {name} is given twice, with two values: give it once")
        params[name] = value
    return _from_env(settings, args.param_env, params), params


def defaults_named(strategy: Strategy, names: list[str], given: dict[str, str]) -> dict[str, str]:
    """`--param-default NAME`: the default the configuration gives NAME, for each."""
    from console.model.problems import did_you_mean

    declared = {p.name: p for p in strategy.params}
    found: dict[str, str] = {}
    for name in names:
        if name in given:
            raise UsageError(f"--param {name} is given twice (--param-default too): give it once")
        if name not in declared:
            hint = did_you_mean(name, declared)
            raise UsageError(
                f"--param-default {name}: strategy {strategy.name!r} has no parameter"
                f" {name!r}{hint} (its parameters: {', '.join(declared) or 'none'})"
            )
        default = declared[name].default
        if default is None:
            raise UsageError(
                f"--param-default {name}: strategies.toml gives {name!r} of"
                f" {strategy.name!r} no default; give --param {name}=VALUE"
            )
        found[name] = default
    return found


def _from_env(settings: Settings, given: list[str], params: dict[str, str]) -> Settings:
    """`--param-env NAME=VARIABLE`: the parameter's value is the variable's, read here, so
    that a secret is in no process's arguments (every account on the jump host reads
    those: ps); the settings returned mask the variable's value as [redact] env does."""
    import os

    from console.cli.debuglog import redact_with

    named: list[str] = []
    for item in given:
        name, sep, variable = item.partition("=")
        if not (sep and name and variable):
            raise UsageError(f"--param-env {item!r}: expected NAME=VARIABLE")
        if name in params:
            raise UsageError(f"--param {name} is given twice (--param-env too): give it once")
        if variable not in os.environ:
            raise UsageError(f"--param-env {name}={variable}: ${variable} is not set here")
        params[name] = os.environ[variable]
        named.append(variable)
    if not named:
        return settings
    redact = settings.console.redact
    redact = redact.replace(env=sorted({*redact.env, *named}))
    console = settings.console.replace(redact=redact)
    settings = settings.replace(console=console)
    redact_with(settings)
    return settings
