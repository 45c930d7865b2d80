"""Where a host's port was written: the inventory's line, else whoever set it. check-config
says it beside a key recorded on another port only (console/engine/key_ports.py), exec
beside a connection refused there (console/headless/adhoc.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from console.model.settings import Settings
from console.model.toml_lines import key_lines, line_of


def port_written(settings: Settings, directory: Path) -> Callable[[str], str]:
    """For a host's name (or `web-2's jump host j1`), where its port comes from."""
    path = directory / "inventory.toml"
    lines = key_lines(path.read_text(encoding="utf-8-sig")) if path.is_file() else {}
    where: dict[str, str] = {}
    for s, system in enumerate(settings.inventory.systems):
        for h, host in enumerate(system.hosts):
            line = line_of(lines, ("systems", s, "hosts", h, "port"))
            if host.port is None:
                where[host.name] = f"no port set for it in {path}: ssh_config's Port, else 22"
            elif system.ansible is not None:
                where[host.name] = "its ansible_port"
            else:
                where[host.name] = f"{path}:{line}: port = {host.port}" if line else str(path)
    return lambda label: where.get(label, "its jump host's, from jump_host or ssh_config")


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
