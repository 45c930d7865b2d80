"""An Ansible group's hosts as console hosts: the connection variables that the console
honours, exactly; everything else that touches the connection reported, never dropped."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from console.model.ansible.formats import Vaulted
from console.model.ansible.inventory import Finding, Var, Where
from console.model.ansible.variables import Inventory
from console.model.bounds import NAME_PATTERN
from console.model.problems import did_you_mean

SSH_CONNECTIONS = {"ssh", "smart", "paramiko", "paramiko_ssh", "ansible.builtin.ssh"}
# Variables that do not change how a host is reached: not reported.
QUIET = {"ansible_python_interpreter", "ansible_group_priority", "ansible_connection"}
HONOURED = {
    "ansible_host",
    "ansible_ssh_host",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_ssh_private_key_file",
    "ansible_private_key_file",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
    "ansible_ssh_args",
}
IGNORED_BECAUSE = {
    "stricthostkeychecking": "ignored: host keys are always checked",
    "userknownhostsfile": "not honoured per host: name known_hosts files in ssh_config",
    "forwardagent": "ignored: the console never forwards the agent",
}


@dataclass
class Converted:
    """A group's hosts as inventory.toml host tables, and what could not be honoured."""

    hosts: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # each host's keys, each with where its value was written and the variable that set it
    origins: list[dict[str, tuple[Where, str]]] = field(default_factory=list)

    def note(
        self, where: Where, message: str, error: bool = False, about: str | None = None
    ) -> None:
        finding = Finding(where, message, error, about)
        if finding not in self.findings:  # a group var is reported once, not per host
            self.findings.append(finding)


def group_hosts(inventory: Inventory, group: str, path: Path) -> Converted:
    """The hosts of `group` (and its children) in the inventory at `path` (a file or a
    directory), with their variables applied."""
    out = Converted(findings=list(inventory.findings))
    base = path if path.is_dir() else path.parent
    if group not in inventory.groups:
        hint = did_you_mean(group, inventory.groups)
        known = ", ".join(sorted(inventory.groups))
        out.note(Where(str(path)), f"no group {group!r}{hint}; groups: {known}", True, "group")
        return out
    members = inventory.members(group)
    if not members:
        where = inventory.groups[group].where or Where(str(base))
        out.note(where, f"group {group!r} has no hosts", error=True)
    for name in members:
        host = _host(inventory, name, group, base, out)
        if host is not None:
            out.hosts.append(host)
            out.origins.append(_origins(inventory, name, host))
    return out


def _host(
    inventory: Inventory, name: str, group: str, base: Path, out: Converted
) -> dict[str, Any] | None:
    where = inventory.host_where.get(name, Where(str(base)))
    if not re.match(NAME_PATTERN, name):
        out.note(where, _not_a_name(name), True)
        return None
    variables = inventory.host_variables(name)
    host: dict[str, Any] = {"name": name}
    unusable = [key for key, var in sorted(variables.items()) if _check(key, var, out)]
    if unusable:  # said once, at its line: not again as a host address the model refuses
        return None
    connection = _value(variables, "ansible_connection")
    if connection is not None and str(connection) not in SSH_CONNECTIONS:
        out.note(
            variables["ansible_connection"].where,
            f"{name}: ansible_connection={connection} cannot be honoured: the console"
            " reaches hosts over SSH only",
            error=True,
        )
        return None
    # Where both names are set, the ansible_ssh_ one is what Ansible's ssh connection uses
    # (the last of each option's variables wins), whichever level set it. ansible_host is
    # what Ansible gives ssh: ssh_config's Host patterns match it, not the inventory name.
    if (address := _value(variables, "ansible_ssh_host", "ansible_host")) is not None:
        host["ssh_alias"] = str(address)
    if (port := _value(variables, "ansible_ssh_port", "ansible_port")) is not None:
        host["port"] = _port(port, variables, out)
    if (user := _value(variables, "ansible_ssh_user", "ansible_user")) is not None:
        host["user"] = str(user)
    key_file = _value(variables, "ansible_ssh_private_key_file", "ansible_private_key_file")
    if key_file is not None:
        host["identity_files"] = [_path(str(key_file), base)]
    args = [
        variables[k]
        for k in ("ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args")
        if k in variables
    ]
    for var in args:
        _ssh_args(var, host, base, out)
    tags = [g for g in inventory.groups_of(name) if g not in (group, "ungrouped")]
    if tags:
        host["tags"] = tags
    return {k: v for k, v in host.items() if v is not None}


# The variables that set a host's keys, in the order they win (ssh arguments set what the
# others leave unset).
_SET_BY = {
    "ssh_alias": ("ansible_ssh_host", "ansible_host"),
    "port": ("ansible_ssh_port", "ansible_port"),
    "user": ("ansible_ssh_user", "ansible_user"),
    "identity_files": ("ansible_ssh_private_key_file", "ansible_private_key_file"),
}
_ARGS = ("ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args")


def _origins(inventory: Inventory, name: str, host: dict[str, Any]) -> dict[str, tuple[Where, str]]:
    """Where each of `host`'s keys was written, and by which variable: a problem the
    console finds with a value is said there, not at inventory.toml's [[systems]]."""
    variables = inventory.host_variables(name)
    where = inventory.host_where.get(name)
    found: dict[str, tuple[Where, str]] = {}
    if where is not None:
        found = {"name": (where, "the host's name"), "tags": (where, "its groups")}
    for key in host:
        setting = next((v for v in _SET_BY.get(key, ()) if v in variables), None)
        setting = setting or next((v for v in _ARGS if v in variables), None)
        if setting is not None and key not in found:
            found[key] = (variables[setting].where, setting)
    return found


def _value(variables: dict[str, Var], *names: str) -> object:
    for name in names:
        if name in variables:
            return variables[name].value
    return None


def _check(key: str, var: Var, out: Converted) -> bool:
    """Report what `key` cannot honour; True when it is an error (the host is unusable)."""
    if key in HONOURED:
        if isinstance(var.value, Vaulted):
            out.note(var.where, f"{key} is vault-encrypted: the console cannot decrypt it", True)
            return True
        if "{{" in str(var.value) or "{%" in str(var.value):
            out.note(
                var.where,
                f"{key} is a Jinja template ({var.value}): the console does not evaluate"
                " templates; give the value itself",
                error=True,
            )
            return True
    elif key.startswith(("ansible_become", "ansible_sudo")):
        out.note(
            var.where,
            f"{key} is not honoured: commands run as the login user; write sudo -n in those"
            " that need root (docs/strategies.md, 'Root: sudo')",
        )
    elif key.startswith("ansible_") and key not in QUIET:
        out.note(var.where, f"{key} is not honoured (the console reaches hosts by SSH keys)")
    return False


def _port(value: object, variables: dict[str, Var], out: Converted) -> int | None:
    where = (variables.get("ansible_ssh_port") or variables["ansible_port"]).where
    try:
        port = int(str(value))
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        name = "ansible_ssh_port" if "ansible_ssh_port" in variables else "ansible_port"
        out.note(where, f"{name} {value!r} is not a port number", True)
        return None
    return port


def _not_a_name(name: str) -> str:
    """Why `name` cannot name a console host; for an address, how to keep it."""
    said = f"host {name!r} is not a console host name (letters, digits, . _ -)"
    try:
        ip_address(name)
    except ValueError:
        return said
    return f"{said}: name it and give the address as ansible_host, e.g. NAME ansible_host={name}"


def _path(text: str, base: Path) -> str:
    """A key path; a relative one is read from the inventory's directory, wherever the
    console runs."""
    if text.startswith("~") or Path(text).is_absolute():
        return text
    return str((base / text).resolve())


def _ssh_args(var: Var, host: dict[str, Any], base: Path, out: Converted) -> None:
    """-J, -p, -l, -i and -o options that say where and how to connect; the rest reported."""
    try:
        words = shlex.split(str(var.value))
    except ValueError as exc:
        out.note(var.where, f"ssh arguments {var.value!r} cannot be split: {exc}", True)
        return
    options: list[tuple[str, str, str]] = []  # (key, value, as written)
    index = 0
    while index < len(words):
        word = words[index]
        flag, attached = word[:2], word[2:]
        if flag in ("-J", "-o", "-p", "-l", "-i", "-F") and word.startswith("-"):
            if not attached:
                index += 1
                attached = words[index] if index < len(words) else ""
            if flag == "-o":
                name, _, value = attached.replace("=", " ", 1).partition(" ")
                options.append((name.lower(), value.strip(), f"-o {attached}"))
            else:
                options.append((flag, attached, f"{flag} {attached}"))
        else:
            options.append((word, "", word))
        index += 1
    for name, value, written in options:
        _ssh_option(name, value, written, var.where, host, base, out)


def _ssh_option(
    name: str,
    value: str,
    written: str,
    where: Where,
    host: dict[str, Any],
    base: Path,
    out: Converted,
) -> None:
    # First value wins, as in ssh (ansible_port/ansible_user come before these args).
    if name in ("-J", "proxyjump"):
        if "jump_host" not in host and "proxy_command" not in host:
            host["jump_host"] = value
    elif name == "proxycommand":
        if "jump_host" not in host and "proxy_command" not in host:
            host["proxy_command"] = value
    elif name in ("-p", "port"):
        if not value.isdigit() or not 0 < int(value) < 65536:
            out.note(where, f"ssh {written}: {value!r} is not a port number", True)
        else:
            host.setdefault("port", int(value))
    elif name in ("-l", "user"):
        host.setdefault("user", value)
    elif name in ("-i", "identityfile"):
        host.setdefault("identity_files", []).append(_path(value, base))
    elif name == "hostname":
        host.setdefault("address", value)
    elif name == "-F":
        out.note(where, f"ssh {written}: a config file per host cannot be honoured", True)
    elif name in IGNORED_BECAUSE:
        out.note(where, f"ssh {written}: {IGNORED_BECAUSE[name]}")
    elif name != "-q":
        out.note(where, f"ssh argument {written!r} is not honoured")
