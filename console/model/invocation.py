"""The command lines the console prints for a person to run next (`resume`, `verify`,
`undo`, `exec`): with `--config DIR` when this process was not given its configuration
from where every shell finds it (the user config dir), so that the line pasted into
another shell, or by a second responder, reads the same configuration. Without it, the
resume printed at quit by a console started with `--config ~/rollback` said "no
configuration found"."""

from __future__ import annotations

import os
import shlex

PROGRAM = "rollback-console"
_config = ""  # " --config DIR", or nothing: set by the command line's loader


def repeat_config(directory: str | None) -> None:
    """From now on the printed command lines name `directory` (None: they need not), as
    `~/...` under $HOME: short, and the same path in each of this account's shells."""
    global _config
    _config = f" --config {_shell_path(directory)}" if directory else ""


def _shell_path(directory: str) -> str:
    home = os.environ.get("HOME", "").rstrip("/")
    if home and directory.startswith(home + "/"):
        return "~/" + shlex.quote(directory[len(home) + 1 :])
    return shlex.quote(directory)


def again(words: str) -> str:
    """`rollback-console WORDS`, with this process's `--config DIR` when it needs one."""
    return f"{PROGRAM} {words}{_config}"
