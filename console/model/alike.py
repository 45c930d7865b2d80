"""Hosts that got or said the same, together: what is shown once for all of them (at 200
hosts a listing stays as long as at one, and a host that differs stands apart)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

Same = TypeVar("Same", bound=Hashable)


def grouped(per_host: Mapping[str, Same]) -> list[tuple[list[str], Same]]:
    """The hosts with equal values together, each group and the hosts in it in the order
    they first appear."""
    groups: dict[Same, list[str]] = {}
    for host, value in per_host.items():
        groups.setdefault(value, []).append(host)
    return [(hosts, value) for value, hosts in groups.items()]
