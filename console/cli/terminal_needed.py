"""The console draws on a terminal and reads its keys from one. Started without one (from
cron, `nohup ... > file`, a pipe), it would draw its screens into a file and wait for keys
that never come, until killed: refused instead, in one line naming what to use."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from console.cli.parser import UsageError

# Textual reads keys on standard input and draws on standard error; the console's last
# line goes to standard output.
STREAMS = ((0, "input"), (1, "output"), (2, "error"))


def needs_terminal(incident: str | None = None) -> None:
    """Raise UsageError (exit 2) unless standard input, output and error are a terminal;
    `incident`: the one a resume would open, named in what to do instead. Called once
    every other check of the command has passed, just before the console would start."""
    not_one = _not_a_terminal()
    if not not_one:
        return
    from console.model.invocation import again

    if incident is None:
        instead = (
            "without one, use the headless commands: rollback-console run, exec, list,"
            " follow --plain, export (rollback-console --help)"
        )
    else:
        instead = (
            f"nothing was opened or written; without one, watch it with"
            f" {again(f'follow {incident} --plain')} or read it with"
            f" {again(f'export {incident} --format markdown')}, and resume it from a"
            " terminal (inside tmux on the jump host, a dropped session ends nothing)"
        )
    raise UsageError(f"the console needs a terminal ({not_one}): {instead}")


def needs_terminal_to_follow(journal: Path) -> None:
    """The follow view likewise, naming `follow --plain`; one served to a browser
    (`serve`: textual-serve starts it on pipes, with its web driver) needs none."""
    not_one = _not_a_terminal()
    if not not_one or os.environ.get("TEXTUAL_DRIVER"):
        return
    from console.model.invocation import again

    plain = again(f"follow {shlex.quote(str(journal.parent))} --plain")
    raise UsageError(
        f"the follow view needs a terminal ({not_one}): without one, {plain} prints the"
        " incident's events as lines as they are written"
    )


def _not_a_terminal() -> str:
    """`standard input and output are not one here`; empty when all three are."""
    missing = [name for fd, name in STREAMS if not os.isatty(fd)]
    if not missing:
        return ""
    names = ", ".join(missing[:-1]) + " and " * (len(missing) > 1) + missing[-1]
    return f"standard {names} {'is' if len(missing) == 1 else 'are'} not one here"
