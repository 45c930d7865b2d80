"""One SSH connection per host for the life of an incident, host keys always checked."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from console.engine.failures import HostFailure, classify_connect_error
from console.model.inventory import Inventory, SshDefaults


@dataclass(frozen=True)
class Target:
    """Where one inventory host is reached."""

    name: str
    system: str
    address: str
    port: int | None
    user: str | None
    workdir: str | None = None


def targets_for(inventory: Inventory, hosts: list[str]) -> list[Target]:
    out = []
    for name in hosts:
        system = inventory.system_of(name)
        host = inventory.host(name)
        out.append(
            Target(
                name=host.name,
                system=system.name,
                address=host.address or host.name,
                port=host.port or (inventory.ssh.port if inventory.ssh.port != 22 else None),
                user=host.user or inventory.ssh.user,
                workdir=host.workdir or system.workdir,
            )
        )
    return out


def known_hosts_path(defaults: SshDefaults) -> Path:
    """The configured known_hosts file, else ~/.ssh/known_hosts."""
    return Path(defaults.known_hosts or "~/.ssh/known_hosts").expanduser()


class SshPool:
    """Connects lazily, reuses connections, and caps concurrent handshakes."""

    def __init__(self, defaults: SshDefaults):
        self.defaults = defaults
        self.known_hosts = known_hosts_path(defaults)
        keys = [str(Path(k).expanduser()) for k in defaults.identity_files]
        self._options = asyncssh.SSHClientConnectionOptions(
            known_hosts=str(self.known_hosts),
            client_keys=keys or (),
            agent_forwarding=False,
            gss_auth=False,
            gss_kex=False,
            connect_timeout=defaults.connect_timeout + defaults.login_timeout,
            keepalive_interval=defaults.keepalive_interval or None,
            keepalive_count_max=3,
            config=None if not defaults.use_ssh_config else (),
        )
        self._handshakes = asyncio.Semaphore(defaults.max_handshakes)
        self._connections: dict[str, asyncssh.SSHClientConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.handshakes_done = 0

    async def connection(self, target: Target) -> asyncssh.SSHClientConnection:
        """The host's open connection, made on first use; raises HostFailure."""
        lock = self._locks.setdefault(target.name, asyncio.Lock())
        async with lock:
            conn = self._connections.get(target.name)
            if conn is not None and not conn.is_closed():
                return conn
            async with self._handshakes:
                try:
                    conn = await asyncssh.connect(
                        target.address,
                        port=target.port or (),
                        username=target.user or (),
                        options=self._options,
                    )
                except Exception as exc:
                    raise classify_connect_error(exc) from None
            self.handshakes_done += 1
            self._connections[target.name] = conn
            return conn

    def forget(self, name: str) -> None:
        """Drop a connection that broke, so the next use reconnects."""
        conn = self._connections.pop(name, None)
        if conn is not None:
            conn.abort()

    async def close(self) -> None:
        conns = list(self._connections.values())
        self._connections.clear()
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 2)


__all__ = ["HostFailure", "SshPool", "Target", "targets_for"]
