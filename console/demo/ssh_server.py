"""A demo host's SSH server (asyncssh). The console imports it once it has drawn its
first frame, in a thread: asyncssh's import is ~15 % of the way to that frame
(bench/RESULTS.md), and the demo's keys are made without it (`keys.new_key`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncssh


class _Connections(asyncssh.SSHServer):
    """Keeps the host's open connections, so that a fault can cut them."""

    def __init__(self, open_: set[asyncssh.SSHServerConnection]):
        self.open = open_

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.open.add(conn)
        self.conn = conn

    def connection_lost(self, exc: Exception | None) -> None:
        self.open.discard(self.conn)


async def ssh_server(
    where: dict,
    host_key: bytes,
    client_key: str | None,
    handle: Callable[[asyncssh.SSHServerProcess], Awaitable[None]],
    connections: set[asyncssh.SSHServerConnection],
) -> asyncssh.SSHAcceptor:
    """Listen `where` (a host and port, or a bound socket) with `host_key` (an OpenSSH
    private key), letting in `client_key` (a public key line; None lets nobody in) and
    running every command with `handle`; open connections are kept in `connections`."""
    if client_key is None:  # a key nobody holds: every login is refused
        client_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    return await asyncssh.create_server(
        lambda: _Connections(connections),
        **where,
        server_host_keys=[asyncssh.import_private_key(host_key)],
        authorized_client_keys=asyncssh.import_authorized_keys(client_key),
        process_factory=handle,
        keepalive_interval=0,
        login_timeout=10,
    )
