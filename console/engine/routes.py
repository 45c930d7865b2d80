"""Where each host really goes, for a dry run or check-config: nothing is connected."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.engine.destination import Destination, Resolver, RouteError
from console.engine.errors import ProcedureError
from console.engine.ssh import SshPool
from console.engine.targets import targets_for
from console.model.inventory import Inventory


@dataclass(frozen=True)
class Route:
    """One host's resolved destination (`user@host:port via ...`), or why there is none."""

    host: str
    where: str | None
    error: str | None = None
    notes: tuple[str, ...] = ()
    dest: Destination | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        text = f"{self.host}: {self.where}" if self.where else f"{self.host}: ERROR {self.error}"
        return "".join([text, *(f"\n  note: {n}" for n in self.notes)])


def routes(inventory: Inventory, hosts: list[str]) -> list[Route]:
    """Each host resolved through ssh_config as a connection would be."""
    resolver = Resolver(inventory.ssh)
    out = []
    for target in targets_for(inventory, hosts):
        try:
            dest = resolver.resolve(target.alias, target.preset())
        except RouteError as exc:
            out.append(Route(target.name, None, str(exc)))
            continue
        notes = sorted({n for d in (*dest.hops, dest) for n in d.notes})
        out.append(Route(target.name, dest.describe(), notes=tuple(notes), dest=dest))
    return out


def refuse_unroutable(pool: SshPool, inventory: Inventory, hosts: list[str]) -> None:
    """Refuse (bad configuration, exit status 2) the hosts whose route cannot be followed
    (an ssh_config ssh refuses, a ProxyJump loop), before any incident is recorded or host
    dialled, one line each as check-config and the dry runs say them; resolved by `pool`,
    which dials them next from the same resolution."""
    unroutable = []
    for target in targets_for(inventory, hosts):
        try:
            pool.destination(target)
        except RouteError as exc:
            unroutable.append(f"{target.name}: {exc}")
    if unroutable:
        raise ProcedureError("\nerror: ".join(unroutable))
