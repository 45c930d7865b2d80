"""A dry run's commands, each printed once for the hosts that get it alike: at 200 hosts
the listing stays as long as at one, and a host whose command differs stands apart."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from console.journal.export.host_runs import host_runs
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
            print(f"\n{_hosts_heading(names, list(hosts), heading)}")
            print(visible(command.shown.strip()))
            if command.masked:
                print(f"# {MASKED_NOTE}")


WIDTH = 80  # a terminal's: what the dry run says of the commands wraps to it


def _hosts_heading(names: str, hosts: list[str], heading: str) -> str:
    """`### web-1, web-2 precheck`; hosts too many for a line (walked: 60 hosts' names
    on one line of 1,151 cells) counted, then named in runs (`web-01–web-60`) on `# `
    lines that fit."""
    line = f"### {names} {heading}"
    if len(line) < WIDTH:
        return line
    return f"### {len(hosts)} hosts: {heading}\n{comment(visible(host_runs(hosts)))}"


def hosts_in_lines(said: str, hosts: list[str], first: str, rest: str) -> str:
    """`said` and the `hosts` in lines that fit WIDTH, named in runs where they are too
    many for one line (a wave of many hosts)."""
    named = ", ".join(hosts)
    if len(first) + len(said) + len(named) + 1 >= WIDTH:
        named = f"{host_runs(hosts)} ({len(hosts)} hosts)"
    return comment(visible(f"{said} {named}"), first, rest)


def comment(said: str, first: str = "# ", rest: str = "# ") -> str:
    """`said` as `# ` lines (`first`, then `rest`) that fit WIDTH (walked at 80 columns:
    `run --dry-run`'s waves and `target=previous` lines ran to 130 and 240 cells, cut
    mid-word by the terminal); a word longer than a line (a path, an option) is kept whole."""
    return textwrap.fill(
        said,
        WIDTH - 1,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
