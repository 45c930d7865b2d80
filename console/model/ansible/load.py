"""`[[systems]] ansible = { inventory = "...", group = "..." }`: the system's hosts read
from an Ansible inventory when the configuration is loaded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # read with the first Ansible-backed system (a configuration without one
    # loads none of the inventory reader)
    from console.model.ansible.hosts import Converted
    from console.model.ansible.inventory import Finding
    from console.model.problems import ConfigProblem
    from console.model.problems import Finding as Located


class Written(NamedTuple):
    """Where the key `key` of host number `host` (named `name`) of system number `system`
    was written in an Ansible inventory (file, line), and the variable that set it
    (`ansible_host`)."""

    system: int
    host: int
    key: str
    name: str
    file: str
    line: int | None
    variable: str


class Seen(NamedTuple):
    """An Ansible-backed system's hosts as its inventory gave them when it was read: what
    the console runs against until it is restarted, whatever the files say since."""

    system: str  # the system's name
    inventory: str  # as inventory.toml names it: `../ansible/hosts.yml`
    hosts: list[dict[str, Any]]  # inventory.toml's host tables, as converted
    # by host name, each key's origin: `hosts.yml:7: ansible_port` (a file alone: no line)
    origins: dict[str, dict[str, str]]
    digest: str  # the sha256 of the files read (Inventory.digest): an older opening's
    fingerprint: str  # variables.fingerprint, taken before the read
    base: str  # the directory its relative key paths were read from


class Reported(NamedTuple):
    """A finding for system number `system`; when `finding.about` is set, it is about
    inventory.toml's `systems[system].ansible.<about>`, not a line of the inventory."""

    system: int
    finding: Finding


def with_ansible_hosts(
    inventory: Any,
    directory: Path,
    written: list[Written] | None = None,
    seen: list[Seen] | None = None,
) -> tuple[Any, list[Reported]]:
    """The raw inventory.toml data with each Ansible-backed system's hosts filled in
    (after any hosts listed in the TOML itself), and what could not be honoured; `written`
    is given where each of those hosts' keys was written, `seen` each such system's hosts
    as read."""
    if not isinstance(inventory, dict) or not isinstance(inventory.get("systems"), list):
        return inventory, []
    if not any(isinstance(s, dict) and "ansible" in s for s in inventory["systems"]):
        return inventory, []  # nothing to read (and PyYAML stays unimported)
    from console.model.ansible.hosts import group_hosts
    from console.model.ansible.inventory import Finding
    from console.model.ansible.variables import Inventory, fingerprint, read_inventory

    reported: list[Reported] = []
    read: dict[Path, Inventory] = {}
    prints: dict[Path, str] = {}
    systems = []
    for index, system in enumerate(inventory["systems"]):
        source = system.get("ansible") if isinstance(system, dict) else None
        if not isinstance(source, dict) or not isinstance(source.get("inventory"), str):
            systems.append(system)  # not Ansible-backed, or malformed: the model says why
            continue
        path = inventory_path(directory, source["inventory"])
        if path not in read:
            prints[path] = fingerprint(path) if seen is not None and path.exists() else ""
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
        if seen is not None:
            digest, base = read[path].digest(), str(path if path.is_dir() else path.parent)
            seen.append(_seen(system, source["inventory"], converted, (digest, prints[path], base)))
        if written is not None:
            first = len(listed) if isinstance(listed, list) else 0
            written += [
                Written(index, first + at, key, host["name"], where.file, where.line, variable)
                for at, (host, origins) in enumerate(
                    zip(converted.hosts, converted.origins, strict=True)
                )
                for key, (where, variable) in origins.items()
            ]
    return {**inventory, "systems": systems}, reported


def inventory_path(directory: Path, written: str) -> Path:
    """The inventory `written` in inventory.toml names, read from `directory`."""
    return Path(os.path.normpath(directory / Path(written).expanduser()))


def _seen(
    system: dict[str, Any], inventory: str, converted: Converted, read: tuple[str, str, str]
) -> Seen:
    origins = {
        host["name"]: {k: f"{at}: {by}" if at.line else at.file for k, (at, by) in found.items()}
        for host, found in zip(converted.hosts, converted.origins, strict=True)
    }
    return Seen(str(system.get("name")), inventory, converted.hosts, origins, *read)


def hosts_kept(seen: Seen) -> list[dict[str, Any]]:
    """`seen`'s hosts as they matter wherever the inventory lies: a path read from beside
    it (a key file) named from there (`./keys/web.key`), so that a moved checkout reads
    the same."""
    bases = {os.path.join(b, "") for b in (seen.base, os.path.realpath(seen.base))}

    def kept(value: Any) -> Any:
        if isinstance(value, list):
            return [kept(v) for v in value]
        for base in bases if isinstance(value, str) else ():
            if value.startswith(base):
                return f"./{value.removeprefix(base)}"
        return value

    return [{key: kept(value) for key, value in host.items()} for host in seen.hosts]


def ansible_said(finding: Located, written: list[Written]) -> ConfigProblem | None:
    """A problem with a value an Ansible inventory gave a host, said where it was written
    and by which variable (`hosts.yml:6: web-1: ansible_host 'bad host!' is not valid:
    ...`), not at inventory.toml's [[systems]] line under a key written nowhere there; None
    for any other problem."""
    loc = finding.loc
    if finding.part != "inventory" or len(loc) < 5 or (loc[0], loc[2]) != ("systems", "hosts"):
        return None
    at = next((w for w in written if (w.system, w.host, w.key) == (*loc[1:2], *loc[3:5])), None)
    if at is None:
        return None
    from console.model.problems import ConfigProblem

    return ConfigProblem(at.file, "", f"{at.name}: {at.variable} {finding.message}", at.line)
