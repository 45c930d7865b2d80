"""`[[systems]] ansible = { inventory = "...", group = "..." }`: the system's hosts read
from an Ansible inventory when the configuration is loaded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # read with the first Ansible-backed system (a configuration without one
    # loads none of the inventory reader)
    from console.model.ansible.inventory import Finding


class Reported(NamedTuple):
    """A finding for system number `system`; when `finding.about` is set, it is about
    inventory.toml's `systems[system].ansible.<about>`, not a line of the inventory."""

    system: int
    finding: Finding


def with_ansible_hosts(inventory: Any, directory: Path) -> tuple[Any, list[Reported]]:
    """The raw inventory.toml data with each Ansible-backed system's hosts filled in
    (after any hosts listed in the TOML itself), and what could not be honoured."""
    if not isinstance(inventory, dict) or not isinstance(inventory.get("systems"), list):
        return inventory, []
    if not any(isinstance(s, dict) and "ansible" in s for s in inventory["systems"]):
        return inventory, []  # nothing to read (and PyYAML stays unimported)
    from console.model.ansible.hosts import group_hosts
    from console.model.ansible.inventory import Finding
    from console.model.ansible.variables import Inventory, read_inventory

    reported: list[Reported] = []
    read: dict[Path, Inventory] = {}
    systems = []
    for index, system in enumerate(inventory["systems"]):
        source = system.get("ansible") if isinstance(system, dict) else None
        if not isinstance(source, dict) or not isinstance(source.get("inventory"), str):
            systems.append(system)  # not Ansible-backed, or malformed: the model says why
            continue
        path = Path(os.path.normpath(directory / Path(source["inventory"]).expanduser()))
        if path not in read:
            read[path] = read_inventory(path)
        if not path.exists():
            missing = Finding(read[path].findings[0].where, "no such file", about="inventory")
            reported.append(Reported(index, missing))
            systems.append(system)
            continue
        group = str(source.get("group", "all"))
        converted = group_hosts(read[path], group, path)
        reported += [Reported(index, finding) for finding in converted.findings]
        listed = system.get("hosts", [])
        systems.append({**system, "hosts": [*listed, *converted.hosts]})
    return {**inventory, "systems": systems}, reported
