"""A refused host whose port the inventory does not set: its refusal names where the port
it was dialled on was written, ssh_config's `Port` line or the [ssh] default's, as it names
the inventory's `port` (console/engine/port_written.py)."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.test_ansible_config import cli, config_with


def _closed_port() -> int:
    """A loopback port nothing listens on: a connection there is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_port_from_ssh_config_is_said_at_its_line(tmp_path: Path):
    """Walked as the quickstart says (the address and port left out of inventory.toml,
    `~/.ssh/config` knowing web-1): exec's refusal read '...; its port: no port set for it
    in .../inventory.toml: ssh_config's Port, else 22', naming no line to correct."""
    port = _closed_port()
    ssh_config = tmp_path / "ssh_config"
    ssh_config.write_text(f"Host web-1\n    HostName 127.0.0.1\n    Port {port}\n")
    ssh_config.chmod(0o600)
    (tmp_path / "known_hosts").write_text("")
    ssh = {"config_files": [str(ssh_config)], "known_hosts": str(tmp_path / "known_hosts")}
    directory = config_with(tmp_path, [{"name": "web", "hosts": [{"name": "web-1"}]}], ssh)
    ran = cli("exec", "--config", str(directory), "--systems", "web", "true", tmp_path=tmp_path)
    inventory = directory / "inventory.toml"
    said = (
        f"web-1: FAILED (connection refused): connection refused by 127.0.0.1:{port}; its port:"
        f" {ssh_config}:3: Port {port} (ssh_config; {inventory} sets none for it)\n"
    )
    assert ran.returncode == 1 and said in ran.stderr, ran.stderr


def test_the_ssh_default_port_is_said_at_its_line(tmp_path: Path):
    """No port on the host and none from ssh_config: the [ssh] default's line."""
    port = _closed_port()
    (tmp_path / "known_hosts").write_text("")
    ssh = {"use_ssh_config": False, "port": port, "known_hosts": str(tmp_path / "known_hosts")}
    host = {"name": "web-1", "address": "127.0.0.1"}
    directory = config_with(tmp_path, [{"name": "web", "hosts": [host]}], ssh)
    inventory = directory / "inventory.toml"
    line = 1 + inventory.read_text().splitlines().index(f"port = {port}")
    ran = cli("exec", "--config", str(directory), "--systems", "web", "true", tmp_path=tmp_path)
    said = (
        f"; its port: {inventory}:{line}: [ssh] port = {port} (the default: nothing sets one"
        " for it)\n"
    )
    assert ran.returncode == 1 and said in ran.stderr, ran.stderr
