"""Where a drill's hosts really go: none may reach a production host under another name.

drills.toml names systems and hosts, and `production = true` keeps a drill from those
names (model/drill_refs.py); a staging entry copied with a production host's address and
port, or an ssh_config alias routed there, sends the drill's faults to that machine all the
same. Seen walking drills on a fleet of 4 real sshd hosts: `web-3` given shop-1's address
and port, check-config said ok and a drill of web would have injected its fault there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.engine.routes import routes

if TYPE_CHECKING:
    from console.engine.destination import Destination
    from console.model.inventory import Inventory


def production_reached(inventory: Inventory, systems: list[str]) -> list[str]:
    """One line for each host of `systems` (none production) whose route ends where a
    production host's does (its address and port, through the same jump hosts)."""
    production = [s.name for s in inventory.systems if s.production]
    guarded = inventory.hosts_of(production)
    drilled = inventory.hosts_of([s for s in systems if s not in production])
    if not guarded or not drilled:
        return []
    found = {r.host: r.dest for r in routes(inventory, [*guarded, *drilled]) if r.dest}
    theirs = {_machine(d): h for h in guarded if (d := found.get(h)) is not None}
    said = []
    for host in drilled:
        dest = found.get(host)
        if dest is not None and (other := theirs.get(_machine(dest))) is not None:
            said.append(
                f"host {host!r} of system {inventory.system_of(host).name!r} reaches"
                f" {dest.host}:{dest.port}, as host {other!r} of production system"
                f" {inventory.system_of(other).name!r} does (production = true in"
                " inventory.toml): a drill never sends a command there; give it the"
                " address and port of its own staging machine"
            )
    return said


def _machine(dest: Destination) -> tuple[object, ...]:
    """The machine a route ends on: its address and port, reached the same way."""
    return (dest.host, dest.port, tuple((h.host, h.port) for h in dest.hops), dest.proxy_command)
