"""The inventory's hosts as the engine dials them: name, address and the ssh alias."""

from __future__ import annotations

from typing import NamedTuple

from console.engine.destination import Preset
from console.model.inventory import Inventory


class Target(NamedTuple):
    """Where one inventory host is reached, as the inventory says (before ssh_config)."""

    name: str
    system: str
    address: str
    port: int | None
    user: str | None
    workdir: str | None = None
    jump: str | None = None
    proxy_command: str | None = None
    identity_files: tuple[str, ...] = ()
    ssh_alias: str | None = None  # what ssh_config's Host patterns match, if not the name

    @property
    def alias(self) -> str:
        """What `ssh` is given for this host: ssh_config's `Host` patterns match it."""
        return self.ssh_alias or self.name

    def preset(self) -> Preset:
        """The inventory's values, which win over ssh_config (as `ssh -o` would)."""
        return Preset(
            hostname=self.address if self.address != self.alias else None,
            port=self.port,
            user=self.user,
            jump=self.jump,
            proxy_command=self.proxy_command,
            identity_files=self.identity_files,
        )


def targets_for(inventory: Inventory, hosts: list[str]) -> list[Target]:
    out = []
    for name in hosts:
        system = inventory.system_of(name)
        host = inventory.host(name)
        out.append(
            Target(
                name=host.name,
                system=system.name,
                address=host.address or host.ssh_alias or host.name,
                port=host.port,
                user=host.user,
                workdir=host.workdir or system.workdir,
                jump=host.jump_host or (None if host.proxy_command else system.jump_host),
                proxy_command=host.proxy_command,
                identity_files=tuple(host.identity_files),
                ssh_alias=host.ssh_alias,
            )
        )
    return out
