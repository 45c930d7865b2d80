"""Secrets never reach the journal: configured values and patterns are masked."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from console.model.problems import quoted

if TYPE_CHECKING:
    from console.model.settings import Settings

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
        literal = "|".join(re.escape(v) for v in sorted(set(secrets), key=len, reverse=True))
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
        if not self._regexes:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


def settings_redactor(settings: Settings, environ: Mapping[str, str] = os.environ) -> Redactor:
    """console.toml's `[redact]`, every secret a notification channel sends, and the
    environment variables strategies name as secrets (a flag service's token)."""
    redact = settings.console.redact
    secrets = [s for c in settings.procedure.channels for s in c.secrets(environ)]
    return Redactor([*redact.values, *secrets], redact.patterns, settings.secret_env())
