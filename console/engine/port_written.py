"""Where a host's port was written: the inventory's line, else ssh_config's, else the [ssh]
default's. check-config says it beside a key recorded on another port only
(console/engine/key_ports.py), exec, run and verify beside a connection refused there
(console/headless/adhoc.py), the execution screen above the host's output."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from console.model.problems import Loc
from console.model.settings import Settings
from console.model.toml_lines import key_lines, line_of

if TYPE_CHECKING:
    from console.engine.destination import Destination


def port_written(settings: Settings, directory: Path) -> Callable[[str], str]:
    """For a host's name (or `web-2's jump host j1`), where its port comes from. An Ansible
    inventory's host is found by its name in the inventory as it is now (by its place, the
    line named after an edit was another host's), else as it was read."""
    path = directory / "inventory.toml"
    lines = key_lines(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    where: dict[str, str] = {}
    unset: dict[str, str] = {}  # the hosts with no port of their own: said when asked
    systems = settings.inventory.systems
    ansible = _ansible_ports(settings, path, directory) if any(s.ansible for s in systems) else {}
    for s, system in enumerate(systems):
        for h, host in enumerate(system.hosts):
            line = line_of(lines, ("systems", s, "hosts", h, "port"))
            if host.port is None:
                unset[host.name] = "its Ansible inventory" if system.ansible else str(path)
            elif system.ansible is not None:
                said, now = ansible.get(host.name, ("its ansible_port", host.port))
                where[host.name] = f"{said} = {host.port}" if said.endswith("_port") else said
                if now != host.port:  # edited since: the console dials what it read
                    where[host.name] = f"{said} = {now} now (it was {host.port} when read)"
            else:
                where[host.name] = f"{path}:{line}: port = {host.port}" if line else str(path)
    defaulted = functools.partial(_unset_port, settings, path, lines)
    return lambda label: (
        where.get(label)
        or (
            defaulted(label, unset[label])
            if label in unset
            else "its jump host's, from jump_host or ssh_config"
        )
    )


def _unset_port(
    settings: Settings, path: Path, lines: dict[Loc, int], host: str, written: str
) -> str:
    """Where the port of a host that sets none was written: ssh_config's `Port` line
    (`~/.ssh/config:12: Port 2222 (ssh_config; inventory.toml sets none)`), else the
    [ssh] default's, else ssh's own 22. Seen: a refusal of a host whose port ssh_config
    set read 'no port set for it in inventory.toml: ssh_config's Port, else 22', and
    named no line to correct."""
    inventory = settings.inventory
    dest = _dialled(settings, host)
    if dest is not None and dest.port_at is not None:
        at, number = dest.port_at
        return f"{at}:{number}: Port {dest.port} (ssh_config; {written} sets none for it)"
    if inventory.ssh.port is not None:
        line = line_of(lines, ("ssh", "port"))
        said = f"{path}:{line}" if line else str(path)
        return f"{said}: [ssh] port = {inventory.ssh.port} (the default: nothing sets one for it)"
    return f"22, ssh's default: neither {written} nor ssh_config sets one for it"


def _dialled(settings: Settings, host: str) -> Destination | None:
    """Where the console dials `host`, through ssh_config; None where it cannot say."""
    from console.engine.destination import Resolver, RouteError
    from console.engine.targets import targets_for

    inventory = settings.inventory
    try:
        [target] = targets_for(inventory, [host])
        return Resolver(inventory.ssh).resolve(target.alias, target.preset())
    except (RouteError, KeyError):
        return None


def _ansible_ports(
    settings: Settings, path: Path, directory: Path
) -> dict[str, tuple[str, object]]:
    """By host name, where an Ansible host's port is written (`hosts.yml:7:
    ansible_port`) and the port written there: in the inventory as it is now, else
    (a host no longer in it) as it was read with the settings."""
    import tomllib

    from console.model.ansible.load import Seen, with_ansible_hosts

    def ports(seen: list[Seen]) -> dict[str, tuple[str, object]]:
        return {
            host["name"]: (s.origins[host["name"]]["port"], host["port"])
            for s in seen
            for host in s.hosts
            if "port" in s.origins.get(host["name"], {})
        }

    now: list[Seen] = []
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):  # it loaded: changed since
        with_ansible_hosts(tomllib.loads(path.read_text(encoding="utf-8-sig")), directory, seen=now)
    return {**ports(settings.ansible_read), **ports(now)}


def refused_port(settings: Settings) -> Callable[[str | None, str | None], str]:
    """For a host's `connection refused by ADDRESS:PORT` (dialled directly, on the port
    its inventory gives if it gives one): where that port was written, as check-config
    says it; else "". Seen: exec said 'connection refused by 127.0.0.1:28010' of a
    mistyped `port = 28010`, and named no file to correct. A host the settings no longer
    name (an incident resumed after its inventory was edited) has nowhere: ""."""
    directory = settings.directory
    if directory is None:  # not read from a directory: nowhere to name
        return lambda host, detail: ""
    written = functools.cache(lambda: port_written(settings, directory))  # read if refused

    def where(host: str | None, detail: str | None) -> str:
        said = detail or ""
        if not host or not said.startswith("connection refused by"):
            return ""
        try:
            port = settings.inventory.host(host).port
        except KeyError:  # a journal's host this inventory no longer has (a resume)
            return ""
        if port is None and (dest := _dialled(settings, host)) is not None:
            port = dest.port  # ssh_config's, or the default
        if port is not None and not said.endswith(f":{port}"):
            return ""  # refused elsewhere (its jump host): not this port
        return f"; its port: {written()(host)}"

    return where
