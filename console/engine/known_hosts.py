"""known_hosts files: parsed once per change and shared, and keys appended as OpenSSH
appends them (`[host]:port`, hashed when HashKnownHosts is set)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from pathlib import Path

import asyncssh

from console.engine.failures import HostFailure
from console.model.status import FailureClass

Stamp = tuple[int, int] | None


def host_pattern(host: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: bare on port 22, else `[host]:port`."""
    return host if port == 22 else f"[{host}]:{port}"


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

    def knows(self, files: tuple[str, ...], host: str, port: int) -> bool:
        """True if any key is recorded for host:port in `files` (asyncssh's lookup)."""
        found = self.parsed(files).match(host, host, None if port == 22 else port)
        return bool(found[0] or found[1])

    def fingerprints(self, files: tuple[str, ...], host: str, port: int) -> set[str]:
        found = self.parsed(files).match(host, host, None if port == 22 else port)
        return {key.get_fingerprint("sha256") for key in found[0]}

    def append(self, path: Path, host: str, port: int, key: asyncssh.SSHKey, hash_it: bool) -> str:
        """Append `key` for host:port to `path` (made 0600 in a 0700 directory if new);
        returns the line written. The next connection looks at the files again."""
        self._looked.clear()
        pattern = host_pattern(host, port)
        name = hashed(pattern) if hash_it else pattern
        line = f"{name} {key.export_public_key().decode().strip()}"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            if handle.tell() and not _ends_with_newline(path):
                handle.write("\n")
            handle.write(line + "\n")
        return line


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
