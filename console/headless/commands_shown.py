"""A dry run's commands, each printed once for the hosts that get it alike: at 200 hosts
the listing stays as long as at one, and a host whose command differs stands apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from console.journal.redact import MASKED_NOTE
from console.model.templates import RenderedCommand
from console.model.visible import visible

# host: [(heading after the host names, e.g. "precheck (on the jump host)", command)]
Commands = Mapping[str, Iterable[tuple[str, RenderedCommand]]]


def print_alike(commands: Commands) -> None:
    """`### web-1, web-2, web-3 precheck` and the command as shown (secrets masked), for
    each group of hosts whose whole list of commands is the same, in the hosts' order."""
    groups: dict[tuple[tuple[str, str, bool], ...], list[str]] = {}
    for host, listed in commands.items():
        key = tuple((heading, c.shown.strip(), c.masked) for heading, c in listed)
        groups.setdefault(key, []).append(host)
    for key, hosts in groups.items():
        names = visible(", ".join(hosts))
        for heading, shown, masked in key:
            print(f"\n### {names} {heading}\n{visible(shown)}")
            if masked:
                print(f"# {MASKED_NOTE}")
