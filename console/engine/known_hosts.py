"""known_hosts files: parsed once per change and shared, looked up by the name OpenSSH
looks a host up by, and keys appended as OpenSSH appends them (`[host]:port`, hashed
when HashKnownHosts is set)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import asyncssh

from console.engine.failures import HostFailure
from console.model.status import FailureClass

Stamp = tuple[int, int] | None
Found = tuple[Sequence[asyncssh.SSHKey], ...]  # host keys, CA keys, revoked keys
Lookup = Callable[[str, str, int | None], Found]


def host_pattern(host: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: bare on port 22, else `[host]:port`."""
    return host if port == 22 else f"[{host}]:{port}"


def known_name(host: str, port: int, alias: str | None) -> str:
    """The name OpenSSH records a host's key under: HostKeyAlias as it is, else the host
    as given (`[host]:port` off port 22)."""
    return alias or host_pattern(host, port)


def _match(known: asyncssh.SSHKnownHosts, host: str, port: int, alias: str | None) -> Found:
    """The keys OpenSSH trusts for the host (CheckHostIP no, its default since 8.5): those
    recorded for its known_name, else for the bare name ("found matching key w/out port").
    Never those of the address the name resolved to, which asyncssh alone would take."""
    if alias:
        return known.match(alias, "", None)[:3]
    return known.match(host, "", None if port == 22 else port)[:3]


def hashed(pattern: str, salt: bytes | None = None) -> str:
    """OpenSSH's hashed form `|1|salt|HMAC-SHA1(salt, pattern)`, base64."""
    salt = salt or os.urandom(20)
    digest = hmac.new(salt, pattern.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


def _stamp(path: str) -> Stamp:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class KnownHosts:
    """Each distinct list of known_hosts files, parsed once per change of any of them,
    and looked at (stat) once per turn of the event loop that asks: the hosts of a wave
    all ask in the same turn, and share one look instead of one each (issue 18)."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, ...], tuple[tuple[Stamp, ...], asyncssh.SSHKnownHosts]] = {}
        self._looked: set[tuple[str, ...]] = set()  # in this turn of the loop

    def parsed(self, files: tuple[str, ...]) -> asyncssh.SSHKnownHosts:
        """Every entry of `files` (missing ones are empty); raises HostFailure naming a
        file that cannot be read or parsed."""
        hit = self._parsed.get(files)
        if hit is not None and files in self._looked:
            return hit[1]
        stamps = tuple(_stamp(f) for f in files)
        self._look(files)
        if hit is not None and hit[0] == stamps:
            return hit[1]
        known = asyncssh.SSHKnownHosts()
        for path, stamp in zip(files, stamps, strict=True):
            if stamp is None:
                continue
            try:
                known.load(Path(path).read_text(encoding="utf-8", errors="replace"))
            except (OSError, ValueError) as exc:
                raise HostFailure(
                    FailureClass.HOSTKEY_UNKNOWN, f"known_hosts {path} cannot be read: {exc}"
                ) from None
        self._parsed[files] = (stamps, known)
        return known

    def _look(self, files: tuple[str, ...]) -> None:
        """`files` were looked at in this turn of the running loop (forgotten at the next)."""
        if not self._looked:
            try:
                asyncio.get_running_loop().call_soon(self._looked.clear)
            except RuntimeError:  # no loop, no turn to share the look with
                return
        self._looked.add(files)

    def lookup(self, files: tuple[str, ...], alias: str | None) -> Lookup:
        """asyncssh's `known_hosts=` callable: the host keys, CA keys and revoked keys
        recorded in `files` for the name as given (asyncssh passes the alias if any)."""
        known = self.parsed(files)

        def keys(host: str, _addr: str, port: int | None) -> Found:
            return _match(known, host, port or 22, alias)

        return keys

    def knows(self, files: tuple[str, ...], host: str, port: int, alias: str | None = None) -> bool:
        """True if any key (or CA key) `files` record is trusted for host:port."""
        found = _match(self.parsed(files), host, port, alias)
        return bool(found[0] or found[1])

    def fingerprints(
        self, files: tuple[str, ...], host: str, port: int, alias: str | None = None
    ) -> set[str]:
        found = _match(self.parsed(files), host, port, alias)
        return {key.get_fingerprint("sha256") for key in found[0]}

    def recorded_at(
        self, files: tuple[str, ...], host: str, port: int, alias: str | None = None
    ) -> list[tuple[str, int, str]]:
        """Where `files` record a host key for host:port, as OpenSSH looks it up: (file,
        line number, SHA256 fingerprint) of each such line, so that a changed key's
        refusal names the line to check (OpenSSH: "Offending key in FILE:LINE")."""
        found: list[tuple[str, int, str]] = []
        for path in files:
            for number, line in entry_lines(path):
                if line.startswith(("#", "@")):  # a CA or a revoked key is no host key
                    continue
                with contextlib.suppress(ValueError, asyncssh.KeyImportError):
                    keys = _match(asyncssh.import_known_hosts(line), host, port, alias)[0]
                    found += [(path, number, k.get_fingerprint("sha256")) for k in keys]
        return found

    def revoked_at(
        self, files: tuple[str, ...], host: str, port: int, alias: str | None = None
    ) -> list[tuple[str, int, str]]:
        """Where `files` mark a key @revoked for host:port: (file, line number, SHA256
        fingerprint). Each line is matched as a host key line would be: asyncssh drops the
        revoked keys of `[host]:port` when no host key is recorded under that name."""
        return _marked("@revoked", files, host, port, alias)

    def authorities_at(
        self, files: tuple[str, ...], host: str, port: int, alias: str | None = None
    ) -> list[tuple[str, int, str]]:
        """Where `files` trust a @cert-authority for host:port: (file, line number, the
        CA key's SHA256 fingerprint)."""
        return _marked("@cert-authority", files, host, port, alias)

    def recorded_for(self, files: tuple[str, ...], fingerprint: str) -> list[str]:
        """The names `files` record the key `fingerprint` under ('a hashed name' for a
        hashed one): why a key known under another name is refused for this one."""
        names: list[str] = []
        for path in files:
            try:
                lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if fields and fields[0].startswith("@"):
                    fields = fields[1:]
                if len(fields) < 3 or fields[0].startswith("#"):
                    continue
                try:
                    key = asyncssh.import_public_key(f"{fields[1]} {fields[2]}")
                except (asyncssh.KeyImportError, ValueError):
                    continue
                if key.get_fingerprint("sha256") == fingerprint:
                    names += [
                        "a hashed name" if n.startswith("|") else n for n in fields[0].split(",")
                    ]
        return list(dict.fromkeys(names))

    def append(self, path: Path, name: str, key: asyncssh.SSHKey, hash_it: bool) -> str:
        """Append `key` for `name` (a known_name) to `path` (made 0600 in a 0700 directory
        if new); returns the line written. The next connection looks at the files again."""
        self._looked.clear()
        name = hashed(name) if hash_it else name
        line = f"{name} {key.export_public_key().decode().strip()}"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            if handle.tell() and not _ends_with_newline(path):
                handle.write("\n")
            handle.write(line + "\n")
        return line


def _marked(
    marker: str, files: tuple[str, ...], host: str, port: int, alias: str | None
) -> list[tuple[str, int, str]]:
    """The lines of `files` with `marker` whose key is for host:port, as (file, line
    number, SHA256 fingerprint of the key)."""
    found: list[tuple[str, int, str]] = []
    for path in files:
        for number, line in entry_lines(path):
            first, _, entry = line.partition(" ")
            if first != marker:
                continue
            with contextlib.suppress(ValueError, asyncssh.KeyImportError):
                keys = _match(asyncssh.import_known_hosts(entry.strip()), host, port, alias)[0]
                found += [(path, number, k.get_fingerprint("sha256")) for k in keys]
    return found


def entry_lines(path: str) -> list[tuple[int, str]]:
    """The non-blank lines of a known_hosts file with their numbers from 1 (none when it
    cannot be read)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [(n, s) for n, line in enumerate(text.splitlines(), 1) if (s := line.strip())]


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
