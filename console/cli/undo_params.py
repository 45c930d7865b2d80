"""An undo's parameters given for it (`undo --param`, `--param-env`, `--param-default`)
in place of the values its incident chose: said above its commands and noted in the
incident, never taken silently. Seen: a restart command fixed in strategies.toml since
the rollback, which the undo could not send (it kept the incident's)."""

from __future__ import annotations

import argparse
import re

from console.cli.given_params import defaults_named, given_params
from console.engine.config_drift import UNUSED
from console.journal.redact import settings_redactor
from console.model.settings import Settings
from console.model.state import IncidentState
from console.model.visible import visible


class Instead:
    """The values given for the undo of the strategy `name` (`values`) and how each was
    given, read from the command line (`kept`: the configuration is the incident's copy)."""

    def __init__(
        self,
        settings: Settings,
        state: IncidentState,
        name: str | None,
        args: argparse.Namespace,
        kept: bool,
    ) -> None:
        self.settings, given = given_params(settings, args)
        self.how = dict.fromkeys(given, "--param")
        for item in args.param_env:
            self.how[item.partition("=")[0]] = f"--param-env {item.partition('=')[2]}"
        found = [s for s in settings.strategies if s.name == name]
        defaults = defaults_named(found[0], args.param_default, given) if found else {}
        now = "as the incident opened" if kept else "now"
        self.how |= dict.fromkeys(defaults, f"--param-default: strategies.toml's {now}")
        self.values = given | defaults
        # what the incident chose, as its journal holds it (secrets masked)
        self.chosen = dict(state.params) if name == state.strategy else {}
        self.strategy, self.chosen_strategy = name, state.strategy
        self.mask = settings_redactor(self.settings).text  # the incident's, where known

    def said(self) -> list[str]:
        """`restart = "..." (--param-default: ...), not the incident's "..."`, one a
        parameter, its values masked as the record masks them."""
        mask = self.mask
        lines = []
        for name, value in self.values.items():
            then = self.chosen.get(name)
            was = "the incident's too" if then == mask(value) else f"not the incident's {_q(then)}"
            if then is None:
                was = "the incident chose none"
            lines.append(visible(f"{name} = {_q(mask(value))} ({self.how[name]}), {was}"))
        return lines

    def kept(self) -> dict[str, str]:
        """The incident's values left as it chose them: the drift line says a change of
        their defaults is not used; a default given here is."""
        return {k: v for k, v in self.chosen.items() if k not in self.values}

    def hint(self, since: str, config: str) -> str:
        """Where `since` says a default of a value the incident keeps changed: how the
        undo sends it instead (`config`: the option that reads it, if any), "" if none."""
        changed = [
            name
            for name in self.kept()
            if re.search(
                rf"strategies\.{re.escape(self.strategy or '')}\.params\.{re.escape(name)}"
                rf"\.default: [^;]*\({re.escape(UNUSED)}\)",
                since,
            )
        ]
        if not changed:
            return ""
        options = config + " ".join(f"--param-default {n}" for n in changed)
        return f"the incident's own {', '.join(changed)} is sent; {options} sends the new default"


def _q(value: str | None) -> str:
    return "none" if value is None else f'"{value}"'
