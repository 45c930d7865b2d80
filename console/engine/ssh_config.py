"""ssh_config read as OpenSSH reads it: asyncssh's parser, seeded with the inventory's
values, plus what asyncssh leaves out (HashKnownHosts, StrictHostKeyChecking, ProxyJump and
ProxyCommand competing, %-tokens expanded once), each file split into words once."""

from __future__ import annotations

import functools
import os
import re
import shlex
import socket
from pathlib import Path

from asyncssh.config import ConfigParseError, SSHClientConfig, SSHConfig
from asyncssh.pattern import WildcardPatternList

from console.engine.ssh_options import HEEDED, KNOWN, bad_option, ssh_reads
from console.paths import not_yours

MAX_INCLUDE_DEPTH = 16  # as OpenSSH's READCONF_MAX_DEPTH
# Options whose %-tokens are expanded, once, after every file is read.
EXPANDED = (
    "IdentityFile",
    "CertificateFile",
    "IdentityAgent",
    "ProxyCommand",
    "UserKnownHostsFile",
    "GlobalKnownHostsFile",
)


class OpenSshConfig(SSHClientConfig):
    """asyncssh's client config, seeded with the inventory's values, plus the options
    asyncssh does not read (HashKnownHosts, StrictHostKeyChecking), known_hosts paths
    %-expanded, and ProxyJump/ProxyCommand competing as in OpenSSH."""

    _percent_expand: set[str] = set()  # asyncssh expands after each file: once is right

    def __init__(
        self,
        last_config: SSHConfig | None,
        reload: bool,
        canonical: bool,
        final: bool,
        local_user: str,
        user: str | tuple[()],
        host: str,
        port: int | tuple[()],
        seed: dict[str, object],
    ):
        # asyncssh's annotations say SSHConfig, str and int, but its own callers pass None
        # (no previous config) and () (not given), as we do.
        super().__init__(
            last_config,  # type: ignore[arg-type]
            reload,
            canonical,
            final,
            local_user,
            user,  # type: ignore[arg-type]
            host,
            port,  # type: ignore[arg-type]
        )
        self._options.update(seed)
        # (file, line, option) of each option read for this host that the console does not use
        self.ignored: list[tuple[str, int, str]] = []
        # Each IdentityFile read for this host, as written: the file and line naming it first
        self.identity_lines: dict[str, tuple[str, int]] = {}
        # The file and line of the Port used (the first one read wins, as in ssh); a
        # `Match final` reading keeps the first reading's
        self.port_at: tuple[str, int] | None = getattr(last_config, "port_at", None)
        self._ignore_unknown: str | None = None

    def parse(self, path: Path) -> None:
        """asyncssh's parse, replaying each file split into words once: splitting every
        line again for every host (shlex) cost seconds for a fleet of 1,000. The user's
        own file and every file it includes are refused, as ssh refuses them, when another
        account could have written them (their ProxyCommand would run as this user)."""
        users = self._depth or path == Path.home() / ".ssh" / "config"
        if users and (bad := not_yours(path)):
            where = f"{self._path} line {self._line_no}: " if self._depth else ""
            raise ConfigParseError(f"{where}Bad owner or permissions on {path}: {bad}")
        self._path, self._line_no, self._matching = path, 0, not self._never
        self._tokens = {"%": "%"}
        for number, loption, words, error in _split_file(path):
            self._line_no = number
            if error:
                self._error(error)
            if loption not in KNOWN:  # as ssh: in any block, matching this host or not
                if self._unknown_ignored(loption):
                    continue
                if not ssh_reads(loption):
                    self._error(bad_option(loption))
                if self._matching:  # newer than the console's table: said, not used
                    self.ignored.append((str(path), number, loption))
                continue
            if not self._matching and loption not in _READ_UNMATCHED:
                continue
            if loption == "ignoreunknown" and self._ignore_unknown is None:
                self._ignore_unknown = ",".join(words).lower()  # the first one found wins
            if loption not in HEEDED:  # said by check-config and the dry run (ssh_options)
                self.ignored.append((str(path), number, loption))
            entry = self._handlers.get(loption)
            if entry is None:
                continue
            option, handler = entry
            args = list(words)
            if not args:
                self._error(f"Missing {option} value")
            handler(self, option, args)
            if args:
                self._error(f"Extra data at end: {' '.join(args)}")
        self._set_tokens()

    def _unknown_ignored(self, option: str) -> bool:
        """Whether an IgnoreUnknown read before names `option` (patterns, as ssh reads
        them): ssh then skips it without a word, where it refuses any other unknown one."""
        patterns = self._ignore_unknown
        return patterns is not None and _wildcards(patterns).matches(option)

    def _match_host(self, option: str, args: list[str]) -> None:
        """`Host` as asyncssh matches it, each pattern list compiled once, not per host;
        in the final reading (`Match final`), against the HostName the first one set, its
        %h the alias, as ssh's second pass matches it: a `Host 10.1.0.12` block after
        `Host app-2` set that HostName applied in `ssh -G app-2` and not here."""
        host = self._orig_host
        if self._final and isinstance(name := self._last_options.get("Hostname"), str):
            host = name.replace("%h", self._orig_host)
        self._matching = not self._never and _wildcards(",".join(args)).matches(host)
        args.clear()

    def _match_never(self, option: str, args: list[str]) -> None:
        """`Match` as asyncssh reads it, except in a file included where nothing matches:
        nothing there applies, and no `Match exec` command is run for it."""
        if self._never:
            self._matching = False
            args.clear()
            return
        self._match(option, args)

    def expand_tokens(self) -> None:
        """%h, %p, %r, %d, ... with the final values (after the last file was read)."""
        for option in EXPANDED:
            value = self._options.get(option)
            if isinstance(value, list):
                self._options[option] = [self._expand_val(v) for v in value]
            elif isinstance(value, str):
                self._options[option] = self._expand_val(value)

    def _identity_file(self, option: str, args: list[str]) -> None:
        """asyncssh's, each key's file and line kept: a key that cannot serve is said
        where it was named (check-config, and the refusal of a login bound to fail)."""
        if args and args[0].lower() != "none":
            self.identity_lines.setdefault(args[0], (str(self._path), self._line_no))
        SSHConfig._append_string(self, option, args)

    def _port_line(self, option: str, args: list[str]) -> None:
        """asyncssh's, where the Port used was written kept: a refused connection names
        it, as it names the inventory's `port` (console/engine/port_written.py)."""
        if option not in self._options:
            self.port_at = (str(self._path), self._line_no)
        SSHConfig._set_int(self, option, args)

    def identity_at(self) -> dict[str, tuple[str, int]]:
        """The file and line naming each IdentityFile, by its %-expanded value."""
        return {self._expand_val(raw): at for raw, at in self.identity_lines.items()}

    def _set_proxy(self, option: str, args: list[str]) -> None:
        """As OpenSSH (checked with `ssh -G`): the first of the two found wins, except
        that `ProxyJump none` does not stop a later ProxyCommand."""
        options = self._options
        taken = "ProxyCommand" in options or (
            "ProxyJump" in options and (option == "ProxyJump" or options["ProxyJump"])
        )
        if taken:
            args.clear()
            return
        self._set_string(option, args)

    _depth = 0  # Include levels read so far
    _never = False  # reading a file included in a block that does not match this host

    def _include_bounded(self, option: str, args: list[str]) -> None:
        """asyncssh's Include, READCONF_MAX_DEPTH (16) deep at most as in OpenSSH: a file
        that includes itself recursed until Python's limit ('internal error: RecursionError').
        An Include in a block that does not match is read too, as readconf.c reads it
        (SSHCONF_NEVERMATCH): nothing in it applies, but ssh refuses the file's owner or
        permissions, and its syntax, for every host all the same."""
        if self._depth >= MAX_INCLUDE_DEPTH:
            self._error("Too many recursive configuration includes")
        self._depth += 1
        matching, never = self._matching, self._never
        self._never = never or not matching
        try:
            self._include(option, args)
        finally:
            self._depth -= 1
            self._matching, self._never = matching, never

    _handlers = {
        **SSHClientConfig._handlers,
        "hashknownhosts": ("HashKnownHosts", SSHConfig._set_bool),
        "stricthostkeychecking": ("StrictHostKeyChecking", SSHConfig._set_bool_or_str),
        "identityfile": ("IdentityFile", _identity_file),
        "port": ("Port", _port_line),
        "proxyjump": ("ProxyJump", _set_proxy),
        "proxycommand": ("ProxyCommand", _set_proxy),
        "host": ("Host", _match_host),
        "include": ("Include", _include_bounded),
        "match": ("Match", _match_never),
    }


# Read in a block that does not match: the conditions, and Include (ssh checks its files).
_READ_UNMATCHED = {*OpenSshConfig._conditionals, "include"}


@functools.lru_cache(maxsize=4096)
def _wildcards(patterns: str) -> WildcardPatternList:
    return WildcardPatternList(patterns)


# One line of an ssh_config file: number, option (lowercase), its words, a parse error.
_Line = tuple[int, str, tuple[str, ...], str | None]
_SPLIT: dict[tuple[str, int, int], list[_Line]] = {}


def _split_file(path: Path) -> list[_Line]:
    """Each line of an ssh_config file as (number, lowercase option, arguments, error),
    split as asyncssh splits it (`Option=value`, `Match` conditions keep their `=`,
    ProxyCommand unsplit); cached until the file changes."""
    stat = os.stat(path)
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key in _SPLIT:
        return _SPLIT[key]
    lines: list[_Line] = []
    with open(path) as file:
        for number, raw in enumerate(file, start=1):
            line = raw.strip()
            if not line or line[0] == "#":
                continue
            try:
                split = shlex.split(line)
            except ValueError as exc:
                lines.append((number, "", (), str(exc)))
                continue
            loption, args = _words(split)
            if loption in OpenSshConfig._no_split:
                args = [line.lstrip()[len(loption) :].strip()]
            if loption in _NUMBERS and args:  # in any block, as ssh reads them
                read, refusal = _NUMBERS[loption]
                value = read(args[0])
                if value is None:
                    lines.append((number, loption, (), refusal.format(args[0])))
                    continue
                args[0] = str(value)
            lines.append((number, loption, tuple(args), None))
    _SPLIT[key] = lines
    return lines


def _port(value: str) -> int | None:
    """`Port` as OpenSSH's a2port reads it, in any block: 1 to 65535, or a service name
    (`ssh`); None where ssh refuses the file ('Bad port '70000'')."""
    if value.isdigit():
        return int(value) if 0 < int(value) < 65536 else None
    try:
        return socket.getservbyname(value, "tcp") or None
    except OSError:
        return None


def _seconds(value: str) -> int | None:
    """A time as OpenSSH's convtime reads it (`30`, `1m`, `1h30m`); None if it is none."""
    total, at = 0, 0
    for part in _TIME.finditer(value):
        if part.start() != at:
            return None
        total, at = total + int(part[1]) * _UNITS[part[2].lower()], part.end()
    return total if value and at == len(value) else None


_TIME = re.compile(r"(\d+)([smhdwSMHDW]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Options whose values ssh checks in every block: how it reads them, and how it refuses.
_NUMBERS = {
    "port": (_port, "Bad port '{}'"),
    "connecttimeout": (_seconds, "invalid time value '{}'"),
    "serveraliveinterval": (_seconds, "invalid time value '{}'"),
}


def _words(split: list[str]) -> tuple[str, list[str]]:
    args: list[str] = []
    loption, allow_equal = "", True
    for index, arg in enumerate(split, start=1):
        if arg.startswith("="):
            if len(arg) > 1:
                args.append(arg[1:])
        elif not allow_equal:
            args.extend(split[index - 1 :])
            break
        elif arg.endswith("="):
            args.append(arg[:-1])
        elif "=" in arg:
            args.extend(arg.split("=", 1))
        else:
            args.append(arg)
        if index == 1:
            loption = args.pop(0).lower()
            allow_equal = loption in OpenSshConfig._conditionals
    return loption, args
