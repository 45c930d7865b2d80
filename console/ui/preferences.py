"""What the console remembers for its user between runs: the theme last chosen.

Kept apart from the configuration directory on purpose: console.toml is the team's file,
often under version control and commented, and writing TOML back loses its comments.
This small file is the console's own, in the user's state dir, written whole with tomli-w.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from console.journal.store import JournalError, write_private

PREFERENCES = "preferences.toml"


@dataclass
class Preferences:
    """The preferences file at `path`; a missing or unreadable one means no preference."""

    path: Path

    def read(self) -> dict:
        with contextlib.suppress(OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return tomllib.loads(self.path.read_text(encoding="utf-8"))
        return {}

    @property
    def theme(self) -> str | None:
        theme = self.read().get("theme")
        return theme if isinstance(theme, str) else None

    def remember(self, **values: str) -> None:
        """Write `values` over what the file holds, atomically; a failure is not fatal."""
        data = {**self.read(), **values}
        with contextlib.suppress(OSError, JournalError):
            scratch = self.path.with_suffix(".tmp")
            write_private(scratch, tomli_w.dumps(data).encode())  # 0600, parents 0700
            os.replace(scratch, self.path)
