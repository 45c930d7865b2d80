"""`import-ansible`: an Ansible inventory converted once into inventory.toml's systems."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from console.model.ansible.hosts import group_hosts
from console.model.ansible.inventory import Finding, Where
from console.model.ansible.variables import read_inventory

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
        for host in converted.hosts:
            if host["name"] in placed:
                where = inventory.host_where.get(host["name"], Where(str(path)))
                message = (
                    f"{host['name']} is in groups {placed[host['name']]} and {group}: it goes"
                    f" to system {placed[host['name']]} only (a host is in one system)"
                )
                out.findings.append(Finding(where, message, error=False))
                continue
            placed[host["name"]] = group
            hosts.append(host)
        if hosts:
            out.systems.append(
                {"name": group, "description": f"Ansible group {group}", "hosts": hosts}
            )
    return out
