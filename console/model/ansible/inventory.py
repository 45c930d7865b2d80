"""An Ansible inventory as Ansible reads it: groups, hosts, vars, each with where it was
said (file and line), so that what cannot be honoured is reported there."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Where:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Finding:
    """Something in the inventory the console cannot honour (an error stops the load);
    `about` names the `ansible` setting it concerns when it is not a line of the inventory."""

    where: Where
    message: str
    error: bool = True
    about: str | None = None


@dataclass(frozen=True)
class Var:
    value: object
    where: Where


@dataclass
class Group:
    name: str
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    vars: dict[str, Var] = field(default_factory=dict)
    where: Where | None = None


@dataclass
class AnsibleInventory:
    """Groups (with `all` and `ungrouped`), host vars, and what could not be read."""

    groups: dict[str, Group] = field(default_factory=dict)
    host_vars: dict[str, dict[str, Var]] = field(default_factory=dict)
    host_where: dict[str, Where] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def group(self, name: str, where: Where | None = None) -> Group:
        found = self.groups.get(name)
        if found is None:
            found = self.groups[name] = Group(name, where=where)
        elif found.where is None:
            found.where = where
        return found

    def add_host(self, group: str, name: str, where: Where, variables: dict[str, Var]) -> None:
        members = self.group(group).hosts
        if name not in members:
            members.append(name)
        self.host_where.setdefault(name, where)
        self.host_vars.setdefault(name, {}).update(variables)

    def add_child(self, parent: str, child: str, where: Where) -> None:
        """`child` under `parent`; a child that would be its own ancestor is refused where
        it is said, as Ansible refuses a recursive dependency loop."""
        children = self.group(parent).children
        self.group(child, where)
        loop = self._path_down(child, parent)
        if loop is not None:
            way = " > ".join([parent, *loop])
            self.findings.append(
                Finding(where, f"group {child!r} under {parent!r} makes a loop: {way}")
            )
        elif child not in children:
            children.append(child)

    def _path_down(self, top: str, bottom: str) -> list[str] | None:
        """The groups from `top` down to `bottom` through children, if `bottom` is below."""
        ways = [[top]]
        seen = {top}
        while ways:
            way = ways.pop()
            if way[-1] == bottom:
                return way
            for child in self.groups[way[-1]].children:
                if child not in seen:
                    seen.add(child)
                    ways.append([*way, child])
        return None

    def finish(self) -> None:
        """As Ansible: every group not under another is a child of `all`; a host in no
        group but `all` is in `ungrouped`."""
        self.group("all")
        self.group("ungrouped")
        parented = {c for g in self.groups.values() for c in g.children}
        for name in list(self.groups):
            if name != "all" and name not in parented:
                self.add_child("all", name, self.groups[name].where or Where(""))
        grouped = {h for g in self.groups.values() if g.name not in ("all",) for h in g.hosts}
        for host in self.groups["all"].hosts:
            if host not in grouped:
                self.add_host("ungrouped", host, self.host_where[host], {})
        self.groups["all"].hosts = []

    def members(self, group: str) -> list[str]:
        """Every host in `group` or below it, in the order Ansible lists them."""
        seen: dict[str, None] = {}
        stack = [group]
        visited: set[str] = set()
        while stack:
            name = stack.pop(0)
            if name in visited or name not in self.groups:
                continue
            visited.add(name)
            for host in self.groups[name].hosts:
                seen.setdefault(host)
            stack[0:0] = self.groups[name].children
        return list(seen)

    def ancestors(self) -> dict[str, set[str]]:
        """Each group's ancestors (its parents, theirs, ... up to `all`)."""
        parents: dict[str, set[str]] = {g: set() for g in self.groups}
        for group in self.groups.values():
            for child in group.children:
                parents.setdefault(child, set()).add(group.name)
        out: dict[str, set[str]] = {}
        for name in self.groups:
            found: set[str] = set()
            stack = list(parents.get(name, ()))
            while stack:
                parent = stack.pop()
                if parent not in found:
                    found.add(parent)
                    stack += parents.get(parent, ())
            out[name] = found
        return out

    def groups_of(self, host: str) -> list[str]:
        """Ansible's group_names: every group the host is in, directly or through a
        child group, except `all`; sorted."""
        ancestors = self.ancestors()
        direct = {g.name for g in self.groups.values() if host in g.hosts}
        every = direct | {a for g in direct for a in ancestors.get(g, ())}
        return sorted(every - {"all"})


RANGE = re.compile(r"\[([^\]:]+):([^\]:]+)(?::(\d+))?\]")


def expand_range(pattern: str) -> list[str]:
    """Ansible's host ranges: `web[01:20]`, `db-[a:c]`, `[1:9:2]`; several multiply."""
    match = RANGE.search(pattern)
    if match is None:
        return [pattern]
    start, end, step = match[1], match[2], int(match[3] or 1)
    head, tail = pattern[: match.start()], pattern[match.end() :]
    if step == 0:
        raise ValueError(f"host range {match[0]} has a step of 0")
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(n).zfill(width) for n in range(int(start), int(end) + 1, step)]
    elif (
        len(start) == len(end) == 1
        and start in string.ascii_letters
        and end in string.ascii_letters
    ):
        values = [chr(c) for c in range(ord(start), ord(end) + 1, step)]
    else:
        raise ValueError(f"host range {match[0]} is neither numbers nor single letters")
    if not values:
        raise ValueError(f"host range {match[0]} is empty")
    return [name for value in values for name in expand_range(head + value + tail)]


def split_port(pattern: str) -> tuple[str, int | None]:
    """`host:2222` (or `[v6]:2222`, or a range `web[01:10]:2222`) as Ansible reads a host
    with a port."""
    if pattern.startswith("[") and "]:" in pattern and not RANGE.match(pattern):
        host, _, port = pattern[1:].partition("]:")
        return host, int(port)
    head, sep, port = pattern.rpartition(":")
    bare = RANGE.sub("", head)
    if sep and port.isdigit() and ":" not in bare and not bare.endswith("]"):
        return head, int(port)
    return pattern, None
