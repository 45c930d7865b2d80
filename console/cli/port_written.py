"""Where check-config says a host's port was written, beside a key recorded on another
port only (console/engine/key_ports.py): the inventory's line, else whoever set it."""

from __future__ import annotations

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
