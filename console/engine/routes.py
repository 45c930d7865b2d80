"""Where each host really goes, for a dry run or check-config: nothing is connected."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.engine.client_keys import config_keyless
from console.engine.destination import Destination, Resolver, RouteError
from console.engine.errors import ProcedureError
from console.engine.ssh import SshPool
from console.engine.targets import Target, targets_for
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
    plain = Resolver(inventory.ssh.replace(use_ssh_config=False))
    out = []
    for target in targets_for(inventory, hosts):
        try:
            dest = resolver.resolve(target.alias, target.preset())
        except RouteError as exc:
            out.append(Route(target.name, None, str(exc)))
            continue
        notes = sorted({n for d in (*dest.hops, dest) for n in d.notes})
        if _by_name_elsewhere(resolver, plain, target, dest):
            notes.append(BY_ALIAS)
        out.append(Route(target.name, dest.describe(), notes=tuple(notes), dest=dest))
    return out


# Said where a block matching the host's name (as the console read ssh_config before
# ssh_alias) would route it elsewhere: a `Host web-1` block an upgrade no longer applies.
BY_ALIAS = (
    "ssh_config's Host blocks match its ssh_alias (an Ansible host's ansible_host, as"
    " Ansible's ssh reads them), not its name, whose block would route it elsewhere"
    " (--dry-run shows where)"
)


def _by_name_elsewhere(
    resolver: Resolver, plain: Resolver, target: Target, dest: Destination
) -> bool:
    """Whether a block matches `target`'s name (its route by name differs from the route
    with no ssh_config) and routes it elsewhere than its alias's blocks do."""
    if target.ssh_alias is None or target.ssh_alias == target.name:
        return False
    by_name = target._replace(ssh_alias=None)  # the alias as its HostName
    try:
        named = resolver.resolve(by_name.name, by_name.preset()).describe()
        bare = plain.resolve(by_name.name, by_name.preset()).describe()
    except RouteError:
        return False
    return named not in (bare, dest.describe())


def refuse_unroutable(pool: SshPool, inventory: Inventory, hosts: list[str]) -> None:
    """Refuse (bad configuration, exit status 2) the hosts whose route cannot be followed
    (an ssh_config ssh refuses, a ProxyJump loop), before any incident is recorded or host
    dialled, one line each as check-config and the dry runs say them; resolved by `pool`,
    which dials them next from the same resolution. So too a system none of whose hosts
    could log in: the keys ssh_config names, none loading, with no ssh-agent."""
    unroutable, found = [], []
    for target in targets_for(inventory, hosts):
        try:
            found.append((target.name, target.system, pool.destination(target)))
        except RouteError as exc:
            unroutable.append(f"{target.name}: {exc}")
    if unroutable:
        raise ProcedureError("\nerror: ".join(unroutable))
    keyless = config_keyless(found)
    if keyless.refused:  # a system none of whose hosts could log in
        raise ProcedureError("\nerror: ".join(keyless.lines))
