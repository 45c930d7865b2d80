"""A dry run's commands, each printed once for the hosts that get it alike: at 200 hosts
the listing stays as long as at one, and a host whose command differs stands apart."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from console.journal.redact import MASKED_NOTE
from console.model.templates import Commands, alike
from console.model.visible import visible


def print_alike(commands: Mapping[str, Commands]) -> None:
    """`### web-1, web-2, web-3 precheck` (the heading after the hosts is the stage's, with
    where it runs) and the command as shown, secrets masked, for each group of hosts whose
    whole list of commands is the same, in the hosts' order."""
    for hosts, listed in alike(commands):
        names = visible(", ".join(hosts))
        for heading, command in listed:
            print(f"\n### {names} {heading}\n{visible(command.shown.strip())}")
            if command.masked:
                print(f"# {MASKED_NOTE}")


WIDTH = 80  # a terminal's: what the dry run says of the commands wraps to it


def comment(said: str) -> str:
    """`said` as `# ` lines that fit WIDTH (walked at 80 columns: `run --dry-run`'s
    waves and `target=previous` lines ran to 130 and 240 cells, cut mid-word by the
    terminal); a word longer than a line (a path, an option) is kept whole."""
    return textwrap.fill(
        said,
        WIDTH - 1,
        initial_indent="# ",
        subsequent_indent="# ",
        break_long_words=False,
        break_on_hyphens=False,
    )
