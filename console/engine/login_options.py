"""What a destination logs in with: its asyncssh options, built once per destination
(and again only when its known_hosts files change), and its identity files, loaded once
per distinct list. ssh_config was resolved already, so asyncssh is told to read no config
file of its own (it would otherwise read ~/.ssh/config again, and could pick up a
ProxyJump the console did not show)."""

from __future__ import annotations

import contextlib
import operator
import os

import asyncssh

from console.engine.client_keys import no_default_keys
from console.engine.destination import Destination
from console.engine.failures import HostFailure
from console.engine.known_hosts import KnownHosts
from console.model.inventory import SshDefaults
from console.model.status import FailureClass

Options = asyncssh.SSHClientConnectionOptions
# A destination's fields that say where it is, not how to log in there.
_PLACE = frozenset({"alias", "host", "port", "jump"})
# Every other field, as a tuple: the key of the options it logs in with.
_SHAPE = operator.itemgetter(*(i for i, f in enumerate(Destination._fields) if f not in _PLACE))
# AES-GCM offered first, then asyncssh's own list as it is (chacha20-poly1305 first, the
# CTR modes...): a host that allows only some of them is served as before. OpenSSH's
# ciphers all; asyncssh's chacha20-poly1305 builds three cipher objects in Python for
# every packet (~17 us to seal one against ~3 for AES-GCM, both ways, ~2,400 packets a
# step of 200 hosts; bench/RESULTS.md, "A step's packets: AES-GCM before chacha20").
CIPHERS = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com"


class LoginOptions:
    """The options and keys of every destination, and which host keys are trusted."""

    def __init__(self, defaults: SshDefaults):
        self.defaults = defaults
        self.known = KnownHosts()
        self._keys: dict[tuple[str, ...], tuple[list[asyncssh.SSHKeyPair], list[bytes]]] = {}
        self._options: dict[tuple[object, ...], tuple[object, Options]] = {}

    def options(self, dest: Destination) -> asyncssh.SSHClientConnectionOptions:
        """The options of every destination that differs from `dest` only in where it
        is (host, port, jump), built once per change of its known_hosts files: a fleet
        of hosts with the same user, keys and files shares one. Every caller passes the
        host and port to asyncssh itself, and the tunnel."""
        known = self.known.parsed(dest.known_hosts_files)
        # Every field but where it is: a tuple, not a Destination made for the key (the
        # dataclass's replace and hash were ~20 us a host, issue 18).
        shape = _SHAPE(dest)
        cached = self._options.get(shape)
        if cached is not None and cached[0] is known:
            return cached[1]
        try:
            keys, identities = self._client_keys(dest.identity_files)
            options = asyncssh.SSHClientConnectionOptions(
                config=[os.devnull],
                username=dest.user,
                # Looked up by the name as given, as `ssh` does: what the console
                # trusts is what ssh trusts (asyncssh alone also takes a key recorded
                # for the address the name resolved to).
                known_hosts=self.known.lookup(dest.known_hosts_files, dest.host_key_alias),
                host_key_alias=dest.host_key_alias,
                # keys named, none loads: the agent's only, as in ssh (no_default_keys)
                client_keys=keys or (no_default_keys() if dest.identity_files else ()),
                agent_identities=identities if dest.identities_only else (),
                # IdentitiesOnly, no key named readable: no agent key, as ssh (not all)
                **({"agent_path": None} if dest.identities_only and not identities else {}),
                agent_forwarding=False,
                encryption_algs=CIPHERS,
                gss_auth=False,
                gss_kex=False,
                keepalive_interval=dest.keepalive_interval or None,
                keepalive_count_max=dest.keepalive_count_max,
                # asyncssh arms this timer for every connection anyway (2 minutes by
                # default): the login's limit, with no timer of the console's beside it.
                login_timeout=self.defaults.login_timeout,
            )
        except (OSError, asyncssh.Error, ValueError) as exc:
            raise HostFailure(FailureClass.AUTH, f"cannot load SSH options: {exc}") from None
        self._options[shape] = (known, options)
        return options

    def _client_keys(self, files: tuple[str, ...]) -> tuple[list[asyncssh.SSHKeyPair], list[bytes]]:
        """Keys from the identity files (missing or encrypted ones skipped, as OpenSSH
        does: the agent may hold them), and the public keys IdentitiesOnly allows."""
        hit = self._keys.get(files)
        if hit is None:
            keys: list[asyncssh.SSHKeyPair] = []
            identities: list[bytes] = []
            for name in files:
                with contextlib.suppress(OSError):
                    keys += asyncssh.load_keypairs(name, ignore_encrypted=True)
                identities += _public_part(name)
            identities += [k.public_data for k in keys]
            hit = self._keys[files] = (keys, identities)
        return hit

    def knows(self, dest: Destination) -> bool:
        return self.known.knows(dest.known_hosts_files, dest.host, dest.port, dest.host_key_alias)

    def trusted(self, dest: Destination) -> set[str]:
        """SHA256 fingerprints of the keys recorded for `dest`."""
        files = dest.known_hosts_files
        return self.known.fingerprints(files, dest.host, dest.port, dest.host_key_alias)


def _public_part(name: str) -> list[bytes]:
    """The public key of identity file `name` as ssh reads it for IdentitiesOnly: its .pub,
    else the private key file's own (unencrypted in OpenSSH's format, passphrase or not)."""
    for path in (name + ".pub", name):
        with contextlib.suppress(OSError, asyncssh.KeyImportError):
            return [asyncssh.read_public_key(path).public_data]
    return []
