"""check-config's look at the names dialled from here: the first hop of every route (its
jump host, else the host itself) is looked up on this machine when exec, run or drill
connects; a name that does not resolve (a ProxyJump mistyped `bastoin`, which names no
Host block and no host; an address mistyped `web-1.interal`) would be found only then, on
every host behind it. Later hops are resolved by the hop before them, out of sight from
here; a proxy command reaches its hop its own way. Nothing is connected: the names are
looked up within a deadline, on daemon threads (key_names.looked_up); those not answered
by then are said together, as not checked (seen: with no answer at all, a resolver out of
reach, check-config read ok and every host's name failed only when exec dialled it)."""

from __future__ import annotations

import ipaddress
import socket
from typing import NamedTuple

from console.engine.destination import Destination
from console.engine.key_names import DEADLINE, looked_up
from console.engine.routes import Route
from console.model.inventory import Inventory


def _dialled_here(dest: Destination) -> Destination | None:
    """The name this machine opens a TCP connection to on the way to `dest`: its first
    jump host, else `dest` itself where a name was given for it (an address, a HostName);
    a host known by its own name alone is left out (named for a resolver to know)."""
    if dest.hops:
        first = dest.hops[0]
    elif dest.host != dest.alias:
        first = dest
    else:
        return None
    if first.proxy_command:
        return None
    try:
        ipaddress.ip_address(first.host)
    except ValueError:
        return first
    return None


def _addresses(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


class Unresolved(NamedTuple):
    """A name dialled from here that does not resolve: the hosts reached through it, why
    (None: no answer within the deadline), and whether it is their jump host (else it is
    the host itself)."""

    hosts: list[str]
    error: socket.gaierror | None
    jump: bool


def unresolved_hops(found: list[Route]) -> dict[Destination, Unresolved]:
    """Each jump host (or host) dialled from here whose name does not resolve here."""
    first: dict[Destination, list[str]] = {}
    jumps: set[Destination] = set()
    for route in found:
        if route.dest is not None and (dest := _dialled_here(route.dest)) is not None:
            first.setdefault(dest, []).append(route.host)
            if dest is not route.dest:
                jumps.add(dest)
    if not first:
        return {}
    answers = looked_up({dest.host for dest in first}, _addresses)
    return {
        dest: Unresolved(hosts, error, dest in jumps)
        for dest, hosts in first.items()
        # not answered within the deadline (None), or not resolved; a name resolved: left out
        if (error := answers.get(dest.host)) is None or isinstance(error, socket.gaierror)
    }


def unresolved_names(inventory: Inventory, hops: dict[Destination, Unresolved]) -> list[str]:
    """One line per jump host (or host) of `hops` (`unresolved_hops`), with the hosts
    reached through it, as exec, run and drill would find them."""
    lines = []
    unanswered = [(d, u) for d, u in hops.items() if u.error is None]
    if unanswered:
        lines.append(_unanswered(unanswered))
    for dest, (hosts, error, jump) in hops.items():
        if error is None:
            continue
        named = dest.host if dest.alias == dest.host else f"{dest.alias} (HostName {dest.host})"
        shown = ", ".join(hosts[:5]) + (f" and {len(hosts) - 5} more" if len(hosts) > 5 else "")
        them = "them" if len(hosts) > 1 else "it"
        if not jump:  # the host itself: its address, or ssh_config's HostName for it
            lines.append(
                f"{shown}: {dest.host} does not resolve here ({error.strerror}): exec, run and"
                f" drill will find {them} unreachable; the name is its address"
                " (inventory.toml), else its HostName (ssh_config), else its own"
            )
            continue
        fix = "; a jump host is reached as ssh_config says (a Host block giving its HostName)"
        if dest.alias in inventory.host_names:
            fix += f", not as the inventory's host {dest.alias}"
        lines.append(
            f"{shown}: jump host {named} does not resolve here ({error.strerror}): exec, run and drill"
            f" will find {them} unreachable{fix}"
        )
    return lines


def _unanswered(unanswered: list[tuple[Destination, Unresolved]]) -> str:
    """`app-1 (app-1.example), web-2's jump host bastion: the resolver here gave no answer
    within 3 s: ...`, one line for every name not looked up in time."""
    named = [
        f"{u.hosts[0]}'s jump host {d.host}" if u.jump else f"{u.hosts[0]} ({d.host})"
        for d, u in unanswered
    ]
    shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
    return (
        f"{shown}: the resolver here gave no answer within {DEADLINE:g} s: not checked,"
        " check-config cannot say whether the names resolve; exec, run and drill look them"
        " up as they connect (getent hosts NAME says what this machine finds)"
    )
