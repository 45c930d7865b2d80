"""check-config's look at the jump hosts dialled from here: the first hop of every route
is looked up on this machine when exec, run or drill connects; a name that does not
resolve (a ProxyJump mistyped `bastoin`, which names no Host block and no host) would be
found only then, on every host behind it. Later hops are resolved by the hop before them,
out of sight from here; a proxy command reaches its hop its own way. Nothing is
connected: the names are looked up within a deadline, on daemon threads
(key_names.looked_up); one not answered by then is not said."""

from __future__ import annotations

import ipaddress
import socket

from console.engine.destination import Destination
from console.engine.key_names import looked_up
from console.engine.routes import Route
from console.model.inventory import Inventory


def _dialled_here(dest: Destination) -> Destination | None:
    """The jump host this machine opens a TCP connection to on the way to `dest`."""
    if not dest.hops:
        return None
    first = dest.hops[0]
    if first.proxy_command:
        return None
    try:
        ipaddress.ip_address(first.host)
    except ValueError:
        return first
    return None


def _addresses(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def unresolved_hops(found: list[Route]) -> dict[Destination, tuple[list[str], socket.gaierror]]:
    """Each jump host dialled from here whose name does not resolve here: the hosts
    reached through it, and why."""
    first: dict[Destination, list[str]] = {}
    for route in found:
        if route.dest is not None and (dest := _dialled_here(route.dest)) is not None:
            first.setdefault(dest, []).append(route.host)
    if not first:
        return {}
    answers = looked_up({dest.host for dest in first}, _addresses)
    return {
        dest: (hosts, error)
        for dest, hosts in first.items()
        # resolved, or not within the deadline: left out
        if isinstance(error := answers.get(dest.host), socket.gaierror)
    }


def unresolved_names(
    inventory: Inventory, hops: dict[Destination, tuple[list[str], socket.gaierror]]
) -> list[str]:
    """One line per jump host of `hops` (`unresolved_hops`), with the hosts reached
    through it, as exec, run and drill would find them."""
    lines = []
    for dest, (hosts, error) in hops.items():
        named = dest.host if dest.alias == dest.host else f"{dest.alias} (HostName {dest.host})"
        shown = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
        fix = "; a jump host is reached as ssh_config says (a Host block giving its HostName)"
        if dest.alias in inventory.host_names:
            fix += f", not as the inventory's host {dest.alias}"
        lines.append(
            f"{shown}: jump host {named} does not resolve here ({error.strerror}): exec, run and drill"
            f" will find {'them' if len(hosts) > 1 else 'it'} unreachable{fix}"
        )
    return lines
