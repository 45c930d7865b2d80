"""Ansible's inventory file formats: INI, YAML, and the JSON of `ansible-inventory --list`."""

from __future__ import annotations

import ast
import json
import re
import shlex
from typing import cast

import yaml

from console.model.ansible.inventory import (
    AnsibleInventory,
    Finding,
    Var,
    Where,
    expand_range,
    split_port,
)

SECTION = re.compile(r"^\[([^\]:]+)(?::(\w+))?\]\s*(?:[#;].*)?$")


def literal(text: str) -> object:
    """A value as Ansible's INI plugin reads it: a Python literal if it is one, else text."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def read_ini(text: str, path: str, into: AnsibleInventory) -> None:
    group, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = Where(path, number)
        if not line or line[0] in "#;":
            continue
        section = SECTION.match(line)
        if section:
            group, kind = section[1], section[2] or "hosts"
            if kind not in ("hosts", "vars", "children"):
                into.findings.append(Finding(where, f"unknown section kind :{kind}"))
            into.group(group, where)
            continue
        try:
            if kind == "vars":
                name, sep, value = line.partition("=")
                if not sep:
                    raise ValueError(f"expected key=value in [{group}:vars]")
                into.group(group).vars[name.strip()] = Var(literal(value.strip()), where)
            elif kind == "children":
                into.add_child(group, shlex.split(line, comments=True)[0], where)
            elif kind == "hosts":
                _ini_host(line, group, where, into)
        except ValueError as exc:
            into.findings.append(Finding(where, str(exc)))


def _ini_host(line: str, group: str, where: Where, into: AnsibleInventory) -> None:
    pattern, *assignments = shlex.split(line, comments=True)
    variables = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"expected key=value after the host, got {item!r}")
        variables[name] = Var(literal(value), where)
    pattern, port = split_port(pattern)
    if port is not None:
        variables.setdefault("ansible_port", Var(port, where))
    for name in expand_range(pattern):
        into.add_host(group, name, where, dict(variables))


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """A YAML error as (line, one line of words): PyYAML's own text spans several lines
    and quotes its input as "<unicode string>"."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem is None:
        return None, " ".join(str(exc).split())
    mark, context = exc.problem_mark, exc.context_mark
    line = mark.line + 1 if mark else None
    where = [f"column {mark.column + 1}"] if mark else []
    if exc.context and context:
        at = f"line {context.line + 1}, column {context.column + 1}"
        where.append(f"{exc.context} from {at}")
    return line, f"{exc.problem}" + (f" ({'; '.join(where)})" if where else "")


class _Loader(yaml.SafeLoader):
    """Safe YAML, with Ansible's `!unsafe` (a plain string) and `!vault` (kept as
    Vaulted: the console cannot decrypt it) tags understood."""


class Vaulted(str):
    """An Ansible Vault value: encrypted, unusable here."""


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # construct_scalar refuses any other node itself (a ConstructorError, as YAML says).
    return str(loader.construct_scalar(cast(yaml.ScalarNode, node)))


def _vaulted(loader: yaml.SafeLoader, node: yaml.Node) -> Vaulted:
    return Vaulted(_scalar(loader, node))


_Loader.add_constructor("!unsafe", _scalar)
_Loader.add_constructor("!vault", _vaulted)


def read_yaml(text: str, path: str, into: AnsibleInventory) -> None:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        line, said = yaml_problem(exc)
        into.findings.append(Finding(Where(path, line), f"is not valid YAML: {said}"))
        return
    finally:
        loader.dispose()
    if root is None:
        return
    if not isinstance(root, yaml.MappingNode):
        into.findings.append(Finding(_at(path, root), "expected groups at the top level"))
        return
    for key, value in root.value:
        name = str(key.value)
        if name == "plugin":
            into.findings.append(
                Finding(
                    _at(path, key),
                    "is an inventory plugin configuration: the console reads static"
                    " inventories; write one with `ansible-inventory -i THIS --list"
                    " --output static.json` and name that",
                )
            )
            return
        _yaml_group(loader, name, value, path, into)


def _at(path: str, node: yaml.Node) -> Where:
    return Where(path, node.start_mark.line + 1)


def _yaml_group(
    loader: _Loader, name: str, node: yaml.Node, path: str, into: AnsibleInventory
) -> None:
    into.group(name, _at(path, node))
    if _empty(node):
        return
    if not isinstance(node, yaml.MappingNode):
        into.findings.append(Finding(_at(path, node), f"group {name}: expected a mapping"))
        return
    for key, value in node.value:
        section, where = str(key.value), _at(path, key)
        if section == "hosts" and isinstance(value, yaml.MappingNode):
            for host_key, host_value in value.value:
                variables = _vars(loader, host_value, path, into)
                host_where = _at(path, host_key)
                try:
                    pattern, port = split_port(str(host_key.value))
                    if port is not None:
                        variables.setdefault("ansible_port", Var(port, host_where))
                    for host in expand_range(pattern):
                        into.add_host(name, host, host_where, dict(variables))
                except ValueError as exc:
                    into.findings.append(Finding(host_where, str(exc)))
        elif section == "vars":
            into.group(name).vars.update(_vars(loader, value, path, into))
        elif section == "children" and isinstance(value, yaml.MappingNode):
            for child_key, child_value in value.value:
                into.add_child(name, str(child_key.value), _at(path, child_key))
                _yaml_group(loader, str(child_key.value), child_value, path, into)
        elif section in ("hosts", "children") and _empty(value):
            continue
        else:
            into.findings.append(
                Finding(where, f"group {name}: {section!r} is not hosts, vars or children")
            )


def _empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null")


def _vars(loader: _Loader, node: yaml.Node, path: str, into: AnsibleInventory) -> dict[str, Var]:
    if _empty(node):
        return {}
    if not isinstance(node, yaml.MappingNode):
        into.findings.append(Finding(_at(path, node), "expected variables (a mapping)"))
        return {}
    return {
        str(key.value): Var(loader.construct_object(value, deep=True), _at(path, key))
        for key, value in node.value
    }


def read_json(text: str, path: str, into: AnsibleInventory) -> None:
    """The JSON an inventory script or `ansible-inventory --list` prints."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        into.findings.append(Finding(Where(path, exc.lineno), f"is not valid JSON: {exc.msg}"))
        return
    where = Where(path)
    problem = _json_problem(data)
    if problem:
        into.findings.append(
            Finding(where, f"is not the JSON of ansible-inventory --list: {problem}")
        )
        return
    hostvars = data.get("_meta", {}).get("hostvars", {})
    for name, group in data.items():
        if name == "_meta":
            continue
        if isinstance(group, list):  # the short form: a list of hosts
            group = {"hosts": group}
        into.group(name, where)
        for host in group.get("hosts", []):
            into.add_host(name, host, where, {})
        for child in group.get("children", []):
            into.add_child(name, child, where)
        for key, value in group.get("vars", {}).items():
            into.group(name).vars[key] = Var(value, where)
    for host, variables in hostvars.items():
        into.host_vars.setdefault(host, {}).update({k: Var(v, where) for k, v in variables.items()})
        into.host_where.setdefault(host, where)


def _json_problem(data: object) -> str | None:
    """What in `data` is not shaped as `ansible-inventory --list` prints it (an object of
    groups, each a list of hosts or an object of hosts, children and vars, and `_meta`'s
    hostvars): a hand-edited or truncated file ended in a traceback."""
    if not isinstance(data, dict):
        return f"expected an object of groups, found {type(data).__name__}"
    meta = data.get("_meta", {})
    hostvars = meta.get("hostvars", {}) if isinstance(meta, dict) else None
    if not isinstance(hostvars, dict) or not all(isinstance(v, dict) for v in hostvars.values()):
        return "_meta.hostvars is not an object of hosts, each an object of variables"
    for name, group in data.items():
        if name == "_meta":
            continue
        if isinstance(group, list):
            group = {"hosts": group}
        if not isinstance(group, dict):
            return f"group {name!r} is neither a list of hosts nor an object"
        for key in ("hosts", "children"):
            names = group.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                return f"group {name!r}: {key} is not a list of names"
        if not isinstance(group.get("vars", {}), dict):
            return f"group {name!r}: vars is not an object"
    return None
