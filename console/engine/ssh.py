"""One SSH connection per host for the life of an incident, host keys always checked."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from console.engine import remote
from console.engine.failures import HostFailure, classify_connect_error
from console.engine.io_loop import InlineIo, IoThread, Relay
from console.model.inventory import Inventory, SshDefaults
from console.model.state import FailureClass


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


def known_hosts_pattern(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


class SshPool:
    """Connects lazily, reuses connections, shares bastions, caps concurrent handshakes.

    With `threaded`, all SSH I/O runs on an event loop of its own in a thread (the TUI's
    loop stays free to draw); callers use the same async methods either way.
    """

    def __init__(self, defaults: SshDefaults, threaded: bool = False):
        self.defaults = defaults
        self._io = IoThread() if threaded else InlineIo()
        self._running = remote.Running()
        self.known_hosts = known_hosts_path(defaults)
        keys = [str(Path(k).expanduser()) for k in defaults.identity_files]
        user_config = Path("~/.ssh/config").expanduser()
        self._config = (
            [str(user_config)] if defaults.use_ssh_config and user_config.is_file() else None
        )
        self._options = asyncssh.SSHClientConnectionOptions(
            known_hosts=self._read_known_hosts(),
            client_keys=keys or (),
            agent_forwarding=False,
            gss_auth=False,
            gss_kex=False,
            keepalive_interval=defaults.keepalive_interval or None,
            keepalive_count_max=3,
            config=self._config,
        )
        self._handshakes = asyncio.Semaphore(defaults.max_handshakes)
        self._connections: dict[str, asyncssh.SSHClientConnection] = {}
        self._bastions: dict[str, asyncssh.SSHClientConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._failed: dict[str, tuple[float, HostFailure]] = {}  # latest failed attempt
        self.handshakes_done = 0

    def _read_known_hosts(self) -> asyncssh.SSHKnownHosts | str:
        """Parsed once per change of the file, not once per connection (O(hosts²));
        a file that cannot be parsed is passed as a path, for asyncssh to report."""
        self._known_stamp = self._stamp()
        try:
            return asyncssh.read_known_hosts(str(self.known_hosts))
        except (OSError, ValueError, asyncssh.Error):
            return str(self.known_hosts)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.known_hosts.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _refresh_known_hosts(self) -> None:
        """Another process (or an accepted key) changed known_hosts: parse it again."""
        if self._stamp() != self._known_stamp:
            self._options = asyncssh.SSHClientConnectionOptions(
                self._options, known_hosts=self._read_known_hosts()
            )

    def options_for(self, target: Target) -> asyncssh.SSHClientConnectionOptions:
        """The base options, with ~/.ssh/config applied for this host (alias, HostName, ...)."""
        return asyncssh.SSHClientConnectionOptions(
            self._options,
            config=self._config,
            host=target.address,
            port=target.port or (),
            username=target.user or (),
        )

    def jump_spec(self, options: asyncssh.SSHClientConnectionOptions) -> str | None:
        """The configured jump host, else a single-hop ProxyJump from ~/.ssh/config."""
        if self.defaults.jump_host:
            return self.defaults.jump_host
        tunnel = options.tunnel
        return tunnel if isinstance(tunnel, str) and tunnel and tunnel.lower() != "none" else None

    # -- the public face: each call runs on the I/O loop ----------------------------------

    async def execute(
        self,
        target: Target,
        command: str,
        limit: float,
        on_output: remote.Emit,
        handle: str,
    ) -> dict:
        """Run `command` on `target` within `limit` seconds; output blocks reach
        `on_output(stream, lines)` on the caller's loop, all before this returns.
        The result is command.result data; `handle` lets `stop` find the process."""
        relay = Relay(on_output)
        result = await self._io.call(
            remote.execute(
                self, self._running, target, command, limit, self._io.forward(relay), handle
            )
        )
        if relay.failure is not None:
            raise relay.failure  # the output could not be journalled: stop, say so
        return result

    async def stop(self, handles: list[str]) -> None:
        """TERM (then KILL) the processes started under `handles`, and wait for them."""
        await self._io.call(self._running.stop(handles))

    async def run(self, target: Target, command: str, timeout: float):
        """A short command's completed process; raises HostFailure or asyncssh errors."""
        return await self._io.call(remote.run(self, target, command, timeout))

    async def accept_host_key(self, target: Target, fingerprint: str) -> str:
        """Trust an UNKNOWN host key, if it still has the fingerprint the person saw."""
        return await self._io.call(self._accept_host_key(target, fingerprint))

    async def close(self) -> None:
        if self._connections or self._bastions:  # else nothing to close (and no thread)
            await self._io.call(self._close())
        await self._io.close()

    # -- on the I/O loop ------------------------------------------------------------------

    async def connection(self, target: Target) -> asyncssh.SSHClientConnection:
        """The host's open connection, made on first use; raises HostFailure.

        Callers that queued behind an attempt that failed get its failure: a host that
        does not answer costs one timeout, not one per waiting probe or check."""
        lock = self._locks.setdefault(target.name, asyncio.Lock())
        asked = time.monotonic()
        async with lock:
            conn = self._connections.get(target.name)
            if conn is not None and not conn.is_closed():
                return conn
            failed = self._failed.get(target.name)
            if failed is not None and failed[0] >= asked:
                raise HostFailure(failed[1].failure, failed[1].detail, failed[1].fingerprint)
            try:
                conn = await self._open(target)
            except HostFailure as failure:
                self._failed[target.name] = (time.monotonic(), failure)
                raise
            self._connections[target.name] = conn
            return conn

    async def _open(self, target: Target) -> asyncssh.SSHClientConnection:
        self._refresh_known_hosts()
        try:
            options = self.options_for(target)
        except (OSError, asyncssh.Error, ValueError) as exc:
            raise HostFailure(FailureClass.AUTH, f"cannot load SSH options: {exc}") from None
        spec = self.jump_spec(options)
        tunnel = await self._bastion(spec) if spec else None
        async with self._handshakes:
            try:
                conn = await self._handshake(target, options, tunnel)
            except asyncssh.HostKeyNotVerifiable:
                raise await self._host_key_failure(options, tunnel) from None
            except Exception as exc:
                raise classify_connect_error(exc) from None
        self.handshakes_done += 1
        return conn

    async def _handshake(self, target, options, tunnel) -> asyncssh.SSHClientConnection:
        """TCP within connect_timeout, then SSH login within login_timeout."""
        d = self.defaults
        if tunnel is not None:
            return await asyncio.wait_for(
                asyncssh.connect(target.address, options=options, tunnel=tunnel),
                d.connect_timeout + d.login_timeout,
            )
        sock = await asyncio.wait_for(_tcp(options.host, options.port), d.connect_timeout)
        try:
            return await asyncio.wait_for(
                asyncssh.connect(target.address, options=options, sock=sock), d.login_timeout
            )
        except TimeoutError:
            sock.close()
            raise HostFailure(
                FailureClass.UNREACHABLE, f"no SSH login within {d.login_timeout:g} s"
            ) from None

    async def _bastion(self, spec: str) -> asyncssh.SSHClientConnection:
        """One shared connection to the jump host, whatever the number of targets."""
        lock = self._locks.setdefault(f"bastion:{spec}", asyncio.Lock())
        async with lock:
            conn = self._bastions.get(spec)
            if conn is not None and not conn.is_closed():
                return conn
            user, _, hostport = spec.rpartition("@")
            host, _, port = hostport.partition(":")
            try:
                async with self._handshakes:
                    conn = await asyncio.wait_for(
                        asyncssh.connect(
                            host,
                            port=int(port) if port else (),
                            username=user or (),
                            options=self._options,
                        ),
                        self.defaults.connect_timeout + self.defaults.login_timeout,
                    )
            except Exception as exc:
                failure = classify_connect_error(exc)
                raise HostFailure(failure.failure, f"jump host {spec}: {failure.detail}") from None
            self.handshakes_done += 1
            self._bastions[spec] = conn
            return conn

    async def _host_key_failure(self, options, tunnel) -> HostFailure:
        """Unknown (fingerprint shown, may be accepted) or mismatched (refused, always)."""
        host, port = options.host, options.port or 22
        fingerprint = None
        with contextlib.suppress(Exception):
            key = await asyncio.wait_for(
                asyncssh.get_server_host_key(host, port, tunnel=tunnel or ()),
                self.defaults.connect_timeout,
            )
            fingerprint = key.get_fingerprint("sha256") if key else None
        if self._has_known_key(host, port):
            return HostFailure(
                FailureClass.HOSTKEY_MISMATCH,
                f"host key for {known_hosts_pattern(host, port)} does not match"
                f" {self.known_hosts}: offered {fingerprint or 'unknown key'}; refused",
                fingerprint,
            )
        return HostFailure(
            FailureClass.HOSTKEY_UNKNOWN,
            f"{known_hosts_pattern(host, port)} is not in {self.known_hosts};"
            f" it offers {fingerprint or 'an unreadable key'}",
            fingerprint,
        )

    def _has_known_key(self, host: str, port: int) -> bool:
        if not self.known_hosts.is_file():
            return False
        try:
            known = asyncssh.read_known_hosts(str(self.known_hosts))
        except (OSError, ValueError, asyncssh.Error):
            return False
        return bool(known.match(host, host, port)[0])

    async def _accept_host_key(self, target: Target, fingerprint: str) -> str:
        options = self.options_for(target)
        host, port = options.host, options.port or 22
        if self._has_known_key(host, port):
            raise HostFailure(
                FailureClass.HOSTKEY_MISMATCH, "a different key is already known; refused"
            )
        spec = self.jump_spec(options)
        tunnel = await self._bastion(spec) if spec else ()
        key = await asyncssh.get_server_host_key(host, port, tunnel=tunnel)
        if key is None or key.get_fingerprint("sha256") != fingerprint:
            raise HostFailure(
                FailureClass.HOSTKEY_MISMATCH, "the host now offers a different key; refused"
            )
        line = f"{known_hosts_pattern(host, port)} {key.export_public_key().decode().strip()}\n"
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.known_hosts.open("a", encoding="utf-8") as handle:
            handle.write(line)
        self._refresh_known_hosts()
        return line.strip()

    def forget(self, name: str) -> None:
        """Drop a connection that broke, so the next use reconnects."""
        conn = self._connections.pop(name, None)
        if conn is not None:
            conn.abort()

    async def _close(self) -> None:
        conns = [*self._connections.values(), *self._bastions.values()]
        self._connections.clear()
        self._bastions.clear()
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.wait_closed(), 2)


async def _tcp(host: str, port: int) -> socket.socket:
    """A connected, non-blocking TCP socket to the first address that answers."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    last: OSError | None = None
    for family, type_, proto, _, address in infos:
        sock = socket.socket(family, type_, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
        except BaseException:
            sock.close()
            raise
    raise last or OSError(f"{host}: no address")
