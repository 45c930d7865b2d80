"""One SSH handshake to a resolved Destination, host keys always checked, with the
options login_options.py builds once."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path
from typing import NamedTuple

import asyncssh

from console.engine.client_keys import TOO_MANY, keys_offered, too_many_keys
from console.engine.destination import Destination
from console.engine.errors import ProcedureError
from console.engine.failures import HostFailure, classify_connect_error
from console.engine.heard import Heard
from console.engine.keepalive import lazy_keepalive
from console.engine.key_refusal import refusal
from console.engine.login_drops import PROXY, SSHD, Dropped, Drops, retried
from console.engine.login_options import LoginOptions, Options
from console.engine.options_on_loop import options_on_the_loop
from console.engine.proxy_command import DROPPED, ProxyCommand, dropped
from console.engine.tunnel import Tunnelled
from console.model.inventory import SshDefaults
from console.model.status import FailureClass

MAX_STARTUPS = "Exceeded MaxStartups"  # what sshd says to a login it drops (OpenSSH 8.x on)
LOGIN_TIMER_FIRED = "Login timeout expired"  # asyncssh's reason when its login timer fires
Tunnel = asyncssh.SSHClientConnection | None  # the shared jump-host connection, if any


class Accepted(NamedTuple):
    """A host key written to known_hosts after a person (or --accept-host-key) agreed."""

    endpoint: str
    known_hosts: str
    entry: str


class Dialer(LoginOptions):
    """Makes the handshakes; knows which keys are trusted and writes accepted ones."""

    def __init__(self, defaults: SshDefaults):
        super().__init__(defaults)
        self.proxies: set[ProxyCommand] = set()  # started, ended by the pool's close
        options_on_the_loop()  # no thread a connection

    async def connect(
        self, dest: Destination, options: Options, tunnel: Tunnel, drops: Drops
    ) -> asyncssh.SSHClientConnection:
        """Handshake and log in; raises HostFailure, with the fingerprint of a key that
        is unknown or does not match. `drops` gains the logins an sshd dropped on the way,
        each tried again (engine/login_drops.py)."""
        try:
            conn = await self._handshake(dest, options, tunnel, drops)
        except asyncssh.HostKeyNotVerifiable:
            raise await self._host_key_failure(dest, options, tunnel) from None
        except asyncssh.PermissionDenied as exc:
            offered = keys_offered(dest.identity_files, dest.identities_only)
            raise HostFailure(FailureClass.AUTH, f"{exc.reason}; {offered}") from None
        except asyncssh.ProtocolError as exc:
            if TOO_MANY not in exc.reason:
                raise classify_connect_error(exc) from None
            said = await too_many_keys(dest.identity_files, dest.identities_only)
            raise HostFailure(FailureClass.AUTH, said) from None
        except asyncssh.ConnectionLost as exc:
            if exc.reason != LOGIN_TIMER_FIRED:
                failure = classify_connect_error(exc)
                raise await self._dropped(dest, options, tunnel, failure) from None
            login = self.defaults.login_timeout
            raise HostFailure(
                FailureClass.UNREACHABLE, f"no SSH login within {login:g} s"
            ) from None
        except Exception as exc:
            seconds = dest.connect_timeout
            if tunnel is not None or dest.proxy_command:  # one deadline for both: _handshake
                seconds += self.defaults.login_timeout
            via = dest.jump.alias if dest.jump else None
            where = f"{dest.host}:{dest.port}"
            failure = classify_connect_error(exc, where, seconds, via)
            if isinstance(exc, asyncssh.KeyExchangeFailed | ConnectionResetError):
                failure = await self._dropped(dest, options, tunnel, failure)
            raise failure from None
        lazy_keepalive(conn)
        return conn

    async def _handshake(
        self, dest: Destination, options: Options, tunnel: Tunnel, drops: Drops
    ) -> asyncssh.SSHClientConnection:
        """TCP within the connect timeout, then SSH login within login_timeout (asyncssh's
        own login timer, in the options); through a tunnel or a proxy command, both within
        their sum. A login dropped before the banner is tried again."""
        if tunnel is None and dest.proxy_command:
            return await retried(lambda: self._proxied(dest, options), drops)
        if tunnel is not None:
            return await retried(lambda: self._tunnelled(dest, options, tunnel), drops)
        return await retried(lambda: self._direct(dest, options), drops)

    async def _tunnelled(
        self, dest: Destination, options: Options, tunnel: asyncssh.SSHClientConnection
    ) -> asyncssh.SSHClientConnection:
        # asyncio.timeout, not wait_for: no task of its own per host and step.
        via = Tunnelled(tunnel, dest.jump.alias if dest.jump else "")
        seconds = dest.connect_timeout + self.defaults.login_timeout
        try:
            async with asyncio.timeout(seconds):
                return await asyncssh.connect(dest.host, dest.port, options=options, tunnel=via)
        except (TimeoutError, asyncssh.ChannelOpenError) as exc:
            raise via.not_opened(exc, f"{dest.host}:{dest.port}", seconds) or exc from None
        except asyncssh.ConnectionLost as exc:
            if via.heard():
                raise
            if exc.reason == LOGIN_TIMER_FIRED:
                raise self._no_banner(dest) from None
            raise _closed_unheard(dest, via.first) from None

    async def _direct(self, dest: Destination, options: Options) -> asyncssh.SSHClientConnection:
        async with asyncio.timeout(dest.connect_timeout):
            sock = await _tcp(dest.host, dest.port)
        # A login that fails (its timer too) aborts the transport, which closes `sock`.
        try:
            return await asyncssh.connect(dest.host, dest.port, options=options, sock=sock)
        except (asyncssh.ConnectionLost, ConnectionResetError) as exc:
            timer = isinstance(exc, asyncssh.ConnectionLost) and exc.reason == LOGIN_TIMER_FIRED
            if not timer and not sock.first.startswith(b"SSH-"):  # reset, or closed, unheard
                raise _closed_unheard(dest, sock.first) from None
            if not timer or sock.heard:
                raise
            raise self._no_banner(dest) from None

    async def _proxied(self, dest: Destination, options: Options) -> asyncssh.SSHClientConnection:
        """Through its proxy command, both within the connect and login timeouts' sum; a
        command that ends before the host's SSH banner is said in its own words, as ssh
        shows them (`Host key verification failed.` from an inner ssh)."""
        proxy = self._start_proxy(dest)
        try:
            async with asyncio.timeout(dest.connect_timeout + self.defaults.login_timeout):
                return await asyncssh.connect(
                    dest.host, dest.port, options=options, sock=proxy.sock
                )
        except (asyncssh.ConnectionLost, ConnectionError) as exc:
            proxy.sock.close()
            timer = isinstance(exc, asyncssh.ConnectionLost) and exc.reason == LOGIN_TIMER_FIRED
            if timer or proxy.sock.first.startswith(b"SSH-"):
                raise
            status = await proxy.ended()
            ended = "closed its end" if status is None else f"ended (exit status {status})"
            said = proxy.said()
            how = (
                f"proxy command `{dest.proxy_command}` {ended} before the SSH banner of"
                f" {dest.host}:{dest.port}"
            )
            if status == 255 and dropped(said):  # the cause and the fix first: 80x24
                raise Dropped(PROXY, DROPPED, self._past_max_startups(how, said)) from None
            raise HostFailure(
                FailureClass.UNREACHABLE,
                f"{how}, nothing sent, "
                + (f"saying '{said}'" if said else "saying nothing on stderr"),
            ) from None
        except BaseException:
            proxy.sock.close()
            raise

    def _past_max_startups(self, how: str, said: str) -> str:
        """A proxy's ssh dropped before its bastion's banner: the cause, what to change,
        then what the command said (after `its bastion dropped ...`)."""
        cap = self.defaults.max_proxy_handshakes
        return (
            ", nothing sent: sshd drops"
            " logins past its MaxStartups (OpenSSH's default 10:30:100: at random once 10"
            f" are pending); up to {cap} handshakes go through proxy commands at once: lower"
            " max_proxy_handshakes in inventory.toml's [ssh], or raise MaxStartups on the"
            f" bastion ({how}, saying '{said}')"
        )

    def _start_proxy(self, dest: Destination) -> ProxyCommand:
        """`dest`'s proxy command, started and kept for the pool's close to end (those
        that ended are let go); one that cannot start is said so."""
        try:
            proxy = ProxyCommand(dest.proxy_argv() or ())
        except OSError as exc:
            raise HostFailure(
                FailureClass.UNREACHABLE,
                f"proxy command `{dest.proxy_command}` could not start: {exc.strerror or exc}",
            ) from None
        self.proxies = {p for p in self.proxies if p.process.poll() is None}
        self.proxies.add(proxy)
        return proxy

    def _no_banner(self, dest: Destination) -> HostFailure:
        """A host that took the connection (directly, or from its jump host) and never
        sent its SSH banner within the login timeout."""
        login, where = self.defaults.login_timeout, f"{dest.host}:{dest.port}"
        return HostFailure(  # as ssh's "Connection timed out during banner exchange"
            FailureClass.UNREACHABLE,
            f"no SSH answer from {where}: connected, but no SSH banner within {login:g} s"
            " (the login timeout)",
        )

    async def _offered_key(
        self, dest: Destination, options: Options, tunnel: Tunnel, first: tuple[str, ...] = ()
    ) -> asyncssh.SSHKey | None:
        """The key the host offers to a client that trusts none (`first`: the host key
        algorithms to prefer, ahead of asyncssh's own list)."""
        proxy = self._start_proxy(dest) if tunnel is None and dest.proxy_command else None
        try:
            return await asyncio.wait_for(
                asyncssh.get_server_host_key(
                    dest.host,
                    dest.port,
                    tunnel=tunnel or (),
                    sock=proxy.sock if proxy else None,
                    server_host_key_algs="^" + ",".join(first) if first else (),
                    options=options,
                ),
                dest.connect_timeout,
            )
        finally:
            if proxy:
                proxy.sock.close()

    async def _dropped(
        self, dest: Destination, options: Options, tunnel: Tunnel, failure: HostFailure
    ) -> HostFailure:
        """A handshake dropped (sshd: 'no matching host key type found') or that found no
        host key algorithm in common, on the way to a host known_hosts records keys for:
        asyncssh offers the host only the algorithms of those keys (certificates alone,
        where only a @cert-authority line covers it), where ssh offers every one with those
        first, so a host re-keyed to another type (an RSA key recorded, ed25519 offered)
        or given no certificate read 'unreachable: Connection reset by peer' (walked on
        real sshd). Asked as ssh asks (those algorithms first, then the rest), the key it
        offers is refused as any key known_hosts does not trust; `failure` stands where it
        offers a trusted key (a drop for another cause), or cannot be asked."""
        if not self.knows(dest):
            return failure
        found = self.known.lookup(dest.known_hosts_files, dest.host_key_alias)
        first = tuple(
            a.decode() for k in found(dest.host, "", dest.port)[0] for a in k.sig_algorithms
        )
        with contextlib.suppress(Exception):
            key = await self._offered_key(dest, options, tunnel, first)
            if isinstance(key, asyncssh.SSHKey):  # a certificate: judged by its CA, not here
                fingerprint = key.get_fingerprint("sha256")
                if fingerprint not in self.trusted(dest):
                    return refusal(self.known, dest, fingerprint)
        return failure

    async def _host_key_failure(
        self, dest: Destination, options: Options, tunnel: Tunnel
    ) -> HostFailure:
        """Unknown (fingerprint shown, may be accepted) or mismatched (refused, always)."""
        fingerprint = None
        with contextlib.suppress(Exception):
            key = await self._offered_key(dest, options, tunnel)
            fingerprint = key.get_fingerprint("sha256") if key else None
        return refusal(self.known, dest, fingerprint)

    async def accept(self, dest: Destination, fingerprint: str, tunnel: Tunnel) -> Accepted:
        """Write the key `dest` offers to its first UserKnownHostsFile, hashed if
        HashKnownHosts says so, only if its fingerprint is exactly `fingerprint` (the
        pool checked first that it has a UserKnownHostsFile)."""
        try:
            key = await self._offered_key(dest, self.options(dest), tunnel)
        except HostFailure:
            raise
        except Exception as exc:
            raise classify_connect_error(exc) from None
        if key is None or key.get_fingerprint("sha256") != fingerprint:
            offered = key.get_fingerprint("sha256") if key else "no key"
            raise HostFailure(
                FailureClass.HOSTKEY_MISMATCH,
                f"{dest.alias} ({dest.key_name}) offers {offered}, not {fingerprint}, the key"
                " to accept: refused, nothing written or sent; compare the fingerprint with"
                " the host's owner again",
            )
        path = Path(dest.user_known_hosts[0])
        try:
            entry = self.known.append(path, dest.key_name, key, dest.hash_known_hosts)
        except OSError as exc:  # a filesystem gone read-only, full, a directory not ours
            raise ProcedureError(
                f"{path} cannot be written ({exc.strerror or exc}): the key of {dest.alias}"
                f" ({dest.key_name}) is not accepted, nothing written or sent"
            ) from None
        return Accepted(dest.endpoint, str(path), entry)


def _closed_unheard(dest: Destination, said: bytes = b"") -> HostFailure:
    """A host that took the connection and closed it before its SSH banner, quoting its
    first line when it said one; saying 'Exceeded MaxStartups' (sshd past its MaxStartups),
    it is Dropped: tried again. Silent, it is not (a firewall, or a port that is no
    sshd's, would cost every try's pause for nothing)."""
    line = said.decode("utf-8", "replace").splitlines()[0].strip() if said.strip() else ""
    why = (
        f"saying '{line}'"
        if line
        else "as sshd does at its MaxStartups limit, or to an address it refuses (a"
        " firewall, TCP wrappers)"
    )
    lead = f"{dest.host}:{dest.port} closed the connection before its SSH banner"
    why = (
        f", nothing sent, {why} (ssh: 'kex_exchange_identification: Connection closed by"
        " remote host')"
    )
    if line.startswith(MAX_STARTUPS):
        return Dropped(SSHD, lead, why)
    return HostFailure(FailureClass.UNREACHABLE, lead + why)


async def _tcp(host: str, port: int) -> Heard:
    """A connected, non-blocking TCP socket to the first address that answers."""
    loop = asyncio.get_running_loop()
    # An address needs no resolver thread (asyncio's create_connection skips it too), nor
    # the IDNA codec a str host is encoded with (its import and unicodedata's, ~5 ms on the
    # way to the first host): an address is ASCII, given as bytes.
    try:
        infos = socket.getaddrinfo(
            host.encode("ascii"), port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
    except (UnicodeEncodeError, socket.gaierror):  # a name: the resolver may block, so in a thread
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    last: OSError | None = None
    for family, type_, proto, _, address in infos:
        sock = Heard(family, type_, proto)
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
