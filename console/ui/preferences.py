"""Where the theme a user picks is kept for the next start: console.toml's `theme` line
(edited in place, every other line and comment kept), or, where the configuration is not
theirs to write (the demo's, a read-only team file, the follow view), a small
preferences.toml of the console's own in the user's state dir."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from console.journal.files import JournalError, write_private
from console.model.toml_lines import with_top_level

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


@dataclass
class ThemeChoice:
    """The theme to open with (console.toml's, else the preference) and where a new
    choice goes: `console_toml` when it may be written, else the preferences file."""

    preferences: Preferences
    console_toml: Path | None = None
    configured: str | None = None  # console.toml's theme, as loaded

    @property
    def theme(self) -> str | None:
        return self.configured or self.preferences.theme

    def remember(self, theme: str) -> Path:
        """Keep `theme` for the next start; the file it went to."""
        if self.console_toml is not None and _write_theme(self.console_toml, theme):
            self.configured = theme
            return self.console_toml
        self.preferences.remember(theme=theme)
        return self.preferences.path


def _write_theme(path: Path, theme: str) -> bool:
    """Set console.toml's theme line, atomically and keeping its mode; False when the
    file or its directory is not ours to write, or its text cannot take the line."""
    if path.exists():  # a file made read-only says so to root too
        writable = os.access(path, os.W_OK) and path.stat().st_mode & stat.S_IWUSR
    else:
        writable = os.access(path.parent, os.W_OK)
    if not writable:
        return False
    # A new file of a name nobody foresees: in a directory a team writes, a link another
    # account planted at a known name had the text written into the file it points at.
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return False
    scratch = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            out.write(with_top_level(text, "theme", theme))
        if path.exists():
            os.chmod(scratch, path.stat().st_mode & 0o777)
        os.replace(scratch, path)
    except (OSError, UnicodeDecodeError, ValueError, tomllib.TOMLDecodeError):
        scratch.unlink(missing_ok=True)
        return False
    return True
