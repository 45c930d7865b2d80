"""The command lines the console prints for a person to run next (`resume`, `verify`,
`undo`, `exec`): with `--config DIR` when this process was not given its configuration
from where every shell finds it (the user config dir), so that the line pasted into
another shell, or by a second responder, reads the same configuration. Without it, the
resume printed at quit by a console started with `--config ~/rollback` said "no
configuration found"."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable

PROGRAM = "rollback-console"
# " --config DIR", or nothing: set by the command line's loader; or the function that
# says which directory, asked when the first line is printed.
_config: str | Callable[[], str | None] = ""


def repeat_config(directory: str | Callable[[], str | None] | None) -> None:
    """From now on the printed command lines name `directory` (None: they need not), as
    `~/...` under $HOME: short, and the same path in each of this account's shells. A
    function is asked for it when a line is first printed (most runs print none)."""
    global _config
    if callable(directory):
        _config = directory
    else:
        _config = f" --config {_shell_path(directory)}" if directory else ""


def _shell_path(directory: str) -> str:
    home = os.environ.get("HOME", "").rstrip("/")
    if home and directory.startswith(home + "/"):
        return "~/" + shlex.quote(directory[len(home) + 1 :])
    return shlex.quote(directory)


def again(words: str) -> str:
    """`rollback-console WORDS`, with this process's `--config DIR` when it needs one."""
    if callable(_config):
        repeat_config(_config())
    return f"{PROGRAM} {words}{_config}"
