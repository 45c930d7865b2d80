"""Secrets never reach the journal: configured values and patterns are masked."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from console.model.payloads.record import Record
from console.model.problems import quoted
from console.model.short_secrets import SHORT

if TYPE_CHECKING:
    from console.model.settings import Settings

R = TypeVar("R", bound=Record)
MASK = "«redacted»"
# Said wherever a masked command is shown before it is sent (dry run, preview).
MASKED_NOTE = f"{MASK} is a secret, masked here; the host gets the real value"


class Redactor:
    """Masks secret values, regex matches and named environment variables' values."""

    def __init__(
        self, values: Iterable[str] = (), patterns: Iterable[str] = (), env: Iterable[str] = ()
    ):
        secrets = [v for v in values if v]
        secrets += [os.environ[name] for name in env if os.environ.get(name)]
        # Also as the console itself may quote one: for a shell, and in an error message
        # (in full, or cut to its first 80 characters).
        secrets += [quote(v) for v in secrets for quote in (shlex.quote, repr, quoted)]
        literal = "|".join(masked_at(v) for v in sorted(set(secrets), key=len, reverse=True))
        # Each pattern on its own, exactly as the loader compiled it: inline flags such
        # as (?i) hold for their own pattern, and need not come first in a joined one.
        self._regexes = [re.compile(literal)] if literal else []
        self._regexes += [re.compile(p) for p in patterns]

    @property
    def active(self) -> bool:
        """Whether there is anything to mask."""
        return bool(self._regexes)

    def text(self, value: str) -> str:
        for regex in self._regexes:
            value = regex.sub(MASK, value)
        return value

    def data(self, value: Any) -> Any:
        """Redact every string inside nested dicts and lists."""
        if not self._regexes or isinstance(value, Enum):  # an enum's word is the program's
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def validated(self, record: type[R], data: dict[str, Any]) -> R:
        """`data` made into `record`, then its strings redacted. An enum field's word
        (`non-zero exit` holds a secret `x`) is the program's own, and kept: masked, it
        was no word the record knows, and the event could not be written (the run
        crashed mid-rollback)."""
        made = record(**data)
        if not self._regexes:
            return made
        return record(**{name: self.data(made.__dict__[name]) for name in made._given})


def masked_at(secret: str) -> str:
    """The pattern of `secret`: anywhere, or, under SHORT characters, only where it stands
    alone (no letter or digit against it): masked inside words, a secret `x` was masked in
    every `exit` and `execution` of the record (its steps' phase, then read by nobody)."""
    found = re.escape(secret)
    if len(secret) >= SHORT:
        return found
    before = r"(?<![^\W_])" if secret[0].isalnum() else ""  # `:pw1@` is one where it is
    after = r"(?![^\W_])" if secret[-1].isalnum() else ""
    return f"{before}{found}{after}"


def settings_redactor(
    settings: Settings, environ: Mapping[str, str] = os.environ, also: Iterable[str] = ()
) -> Redactor:
    """console.toml's `[redact]`, every secret a notification channel sends, and the
    environment variables strategies name as secrets (a flag service's token); and `also`
    (the secrets an incident opened with that the files no longer name)."""
    redact = settings.console.redact
    secrets = [s for c in settings.procedure.channels for s in c.secrets(environ)]
    return Redactor([*redact.values, *secrets, *also], redact.patterns, settings.secret_env())
