"""Hosts that got or said the same, together: what is shown once for all of them (at 200
hosts a listing stays as long as at one, and a host that differs stands apart)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from console.model.outcome import named

Same = TypeVar("Same", bound=Hashable)


def grouped(per_host: Mapping[str, Same]) -> list[tuple[list[str], Same]]:
    """The hosts with equal values together, each group and the hosts in it in the order
    they first appear."""
    groups: dict[Same, list[str]] = {}
    for host, value in per_host.items():
        groups.setdefault(value, []).append(host)
    return [(hosts, value) for value, hosts in groups.items()]


def counted_alike(per_host: Mapping[str, str], shown: int = 3) -> str:
    """`11 non-zero exit (app-01, app-02, app-04 +8 more), 1 connection refused (app-03)`:
    how many hosts said each thing, the most first, a few of each named (a host refused
    the connection reads apart from 117 non-zero exits, as the grid and the document say
    them, never counted in with them)."""
    groups = sorted(grouped(per_host), key=lambda group: -len(group[0]))
    return ", ".join(f"{len(hosts)} {said} ({named(hosts, shown)})" for hosts, said in groups)


def lines_alike(per_host: Mapping[str, str], each: int = 5) -> str:
    """A line a host (`web-2: verified: succeeded`), or past `each` hosts a line a thing
    said, the most first: `51 hosts (h0003, h0004, h0005 +48 more): verified: succeeded`
    (the verify of 64 unknown hosts was 64 lines, a toast taller than the screen)."""
    if len(per_host) <= each:
        return "\n".join(f"{host}: {said}" for host, said in per_host.items())
    groups = sorted(grouped(per_host), key=lambda group: -len(group[0]))
    return "\n".join(
        f"{len(hosts)} host{'s' * (len(hosts) != 1)} ({named(hosts)}): {said}"
        for hosts, said in groups
    )
