"""Where a host's port was written: the inventory's line, else whoever set it. check-config
says it beside a key recorded on another port only (console/engine/key_ports.py), exec
beside a connection refused there (console/headless/adhoc.py)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from pathlib import Path

from console.model.settings import Settings
from console.model.toml_lines import key_lines, line_of


def port_written(settings: Settings, directory: Path) -> Callable[[str], str]:
    """For a host's name (or `web-2's jump host j1`), where its port comes from. An Ansible
    inventory's host is found by its name in the inventory as it is now (by its place, the
    line named after an edit was another host's), else as it was read."""
    path = directory / "inventory.toml"
    lines = key_lines(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    where: dict[str, str] = {}
    systems = settings.inventory.systems
    ansible = _ansible_ports(settings, path, directory) if any(s.ansible for s in systems) else {}
    for s, system in enumerate(systems):
        for h, host in enumerate(system.hosts):
            line = line_of(lines, ("systems", s, "hosts", h, "port"))
            if host.port is None:
                written = "its Ansible inventory" if system.ansible else path
                where[host.name] = f"no port set for it in {written}: ssh_config's Port, else 22"
            elif system.ansible is not None:
                said, now = ansible.get(host.name, ("its ansible_port", host.port))
                where[host.name] = f"{said} = {host.port}" if said.endswith("_port") else said
                if now != host.port:  # edited since: the console dials what it read
                    where[host.name] = f"{said} = {now} now (it was {host.port} when read)"
            else:
                where[host.name] = f"{path}:{line}: port = {host.port}" if line else str(path)
    return lambda label: where.get(label, "its jump host's, from jump_host or ssh_config")


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
        if port is not None and not said.endswith(f":{port}"):
            return ""  # refused elsewhere (its jump host): not this port
        return f"; its port: {written()(host)}"

    return where
