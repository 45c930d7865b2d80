"""`import-ansible`: an Ansible inventory converted once into inventory.toml's systems."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from console.model.ansible.hosts import group_hosts
from console.model.ansible.inventory import AnsibleInventory, Finding, Where
from console.model.ansible.variables import read_inventory
from console.model.outcome import named

IMPLICIT = ("all", "ungrouped")
LINE = 100  # an array longer than this on one line keeps tomli_w's item a line


def one_line_arrays(text: str) -> str:
    """tomli_w writes every array an item a line; a person editing inventory.toml reads
    and writes `tags = ["canary", "eu"]`. Each array that means the same on one line, in
    `LINE` characters, is put on one."""
    out: list[str] = []
    block: list[str] = []
    for line in text.splitlines(keepends=True):
        if block:
            block.append(line)
            if line.strip() == "]":
                out.append(_joined(block))
                block = []
        elif line.rstrip().endswith("= ["):
            block = [line]
        else:
            out.append(line)
    return "".join(out + block)


def _joined(block: list[str]) -> str:
    items = ", ".join(line.strip().removesuffix(",") for line in block[1:-1])
    line = f"{block[0].rstrip()}{items}]"
    try:
        same = tomllib.loads(line) == tomllib.loads("".join(block))
    except tomllib.TOMLDecodeError:
        same = False
    return line + "\n" if same and len(line) <= LINE else "".join(block)


@dataclass
class Conversion:
    systems: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.error]

    def toml(self, source: Path) -> str:
        header = (
            f"# Converted from the Ansible inventory {source} by `rollback-console"
            " import-ansible`.\n# Each system is an Ansible group; a host's other groups"
            " are its tags. Add the strategies\n# that apply to each system"
            ' (strategies = ["..."]), then run `rollback-console check-config`.\n'
        )
        # What the conversion could not honour stays with the file it wrote, not only on
        # the terminal that ran it.
        said = (" ".join(f"warning: {f.where}: {f.message}".split()) for f in self.findings)
        left = "".join(f"# {line}\n" for line in said)
        return (
            header
            + (f"#\n{left}" if left else "")
            + "\n"
            + one_line_arrays(tomli_w.dumps({"systems": self.systems}))
        )


def convert(path: Path, groups: list[str]) -> Conversion:
    """One system per group named (default: each group with hosts of its own, in the
    order the inventory lists them); a host goes to the first system that has it."""
    inventory = read_inventory(path)
    out = Conversion(findings=list(inventory.findings))
    if out.errors:
        return out
    if not groups:
        groups = [g for g in inventory.groups if inventory.groups[g].hosts and g not in IMPLICIT]
        if inventory.groups["ungrouped"].hosts:
            groups.append("ungrouped")
        if not groups:  # `systems = []` is what check-config refuses
            out.findings.append(Finding(Where(str(path)), "has no hosts: nothing to convert"))
            return out
    placed: dict[str, str] = {}
    for group in groups:
        converted = group_hosts(inventory, group, path)
        out.findings += [f for f in converted.findings if f not in out.findings]
        hosts = []
        twice: dict[str, list[str]] = {}  # the system a host went to: those of `group` there
        for host in converted.hosts:
            if host["name"] in placed:
                twice.setdefault(placed[host["name"]], []).append(host["name"])
                continue
            placed[host["name"]] = group
            hosts.append(host)
        out.findings += [_placed_once(inventory, path, s, group, h) for s, h in twice.items()]
        if hosts:
            out.systems.append(
                {"name": group, "description": f"Ansible group {group}", "hosts": hosts}
            )
    return out


def _placed_once(
    inventory: AnsibleInventory, path: Path, system: str, group: str, hosts: list[str]
) -> Finding:
    """One warning for the hosts of `group` already in `system`, at the first one's line:
    a group used as a tag (eu_west, canary) made one line a host, 250 for 250 hosts."""
    where = inventory.host_where.get(hosts[0], Where(str(path)))
    if len(hosts) == 1:
        said = f"{hosts[0]} is in groups {system} and {group}: it goes"
    else:
        said = f"{len(hosts)} hosts ({named(hosts)}) are in groups {system} and {group}: each goes"
    return Finding(where, f"{said} to system {system} only (a host is in one system)", error=False)
