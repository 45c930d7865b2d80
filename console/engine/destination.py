"""Where a connection really goes: ssh_config resolved as OpenSSH resolves it.

asyncssh parses the files (Host and Match blocks, Include, first value wins, %-tokens);
this module and ssh_config.py add what asyncssh leaves out and the console needs exactly:
- the inventory's per-host values are set before the files are read, as `ssh -o` would
  set them, so they win and `Match host`, `%h` and `%r` see them;
- ProxyJump and ProxyCommand compete, the first one found wins (as in OpenSSH);
- ProxyJump hops are themselves resolved through ssh_config (aliases, chains `a,b`,
  `none`), so each hop can be one connection shared by every host behind it, checked
  against the same known_hosts files, instead of one private tunnel per host;
- HashKnownHosts, GlobalKnownHostsFile and StrictHostKeyChecking are read (the last one
  only to say it is ignored: host keys are always checked);
- the `[ssh]` defaults fill in what neither the host nor ssh_config set.
Each distinct destination is resolved once.
"""

from __future__ import annotations

import functools
import getpass
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from console.engine.known_hosts import known_name
from console.engine.ssh_options import ignored_note
from console.model.hops import hop_refusal, split_hop
from console.model.inventory import SshDefaults
from console.model.visible import visible

if TYPE_CHECKING:
    from console.engine.ssh_config import OpenSshConfig

DEFAULT_USER_KNOWN_HOSTS = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")
DEFAULT_GLOBAL_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
MAX_HOPS = 16
_UNSET = object()


class RouteError(ValueError):
    """ssh_config or a jump specification that cannot be followed (loop, bad syntax). Its
    words are made visible, on one line, once here: they quote ssh_config's files, down to
    the names an Include's glob found, which another account may have chosen (seen: a file
    named with ESC and BEL, planted in an included directory others could write, set the
    terminal's title through check-config's refusal)."""

    def __init__(self, said: str):
        super().__init__(visible(said, one_line=True))


class Preset(NamedTuple):
    """Values set before ssh_config is read: they win over it (the inventory's host)."""

    hostname: str | None = None
    port: int | None = None
    user: str | None = None
    jump: str | None = None  # a ProxyJump spec, or "none"
    proxy_command: str | None = None
    identity_files: tuple[str, ...] = ()


NO_PRESET = Preset()  # nothing set: ssh_config and the defaults say all
Seen = tuple[tuple[str, Preset, bool], ...]  # the resolutions on the way: alias, preset, hop


class Destination(NamedTuple):
    """One SSH endpoint, fully resolved; `jump` is the hop it is reached through. (A
    NamedTuple: a frozen dataclass cost ~7 M instructions to define at every start and
    ~2 us a host to make, issue 18.)"""

    alias: str
    host: str
    port: int
    user: str
    jump: Destination | None = None
    proxy_command: str | None = None
    identity_files: tuple[str, ...] = ()
    identities_only: bool = False
    user_known_hosts: tuple[str, ...] = DEFAULT_USER_KNOWN_HOSTS
    global_known_hosts: tuple[str, ...] = DEFAULT_GLOBAL_KNOWN_HOSTS
    hash_known_hosts: bool = False
    host_key_alias: str | None = None
    connect_timeout: float = 10.0
    keepalive_interval: float = 15.0
    keepalive_count_max: int = 3
    notes: tuple[str, ...] = ()  # said once per route; the same for the same destination
    # Each key named by ssh_config's IdentityFile: (its path, the file and line naming it)
    key_lines: tuple[tuple[str, str, int], ...] = ()
    # Where ssh_config's Port it goes to was written (file, line); None: not ssh_config's
    port_at: tuple[str, int] | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    @property
    def hops(self) -> list[Destination]:
        """The jump hosts in the order they are reached, first hop first."""
        chain: list[Destination] = []
        hop = self.jump
        while hop is not None:
            chain.insert(0, hop)
            hop = hop.jump
        return chain

    @property
    def known_hosts_files(self) -> tuple[str, ...]:
        return (*self.user_known_hosts, *self.global_known_hosts)

    @property
    def key_name(self) -> str:
        """The name its host keys are looked up and recorded under, as OpenSSH does."""
        return known_name(self.host, self.port, self.host_key_alias)

    def describe(self) -> str:
        """`user@host:port`, then how it is reached: `via a → b`, or the proxy command."""
        hops = self.hops
        route = ""
        if hops:
            first = hops[0]
            if first.proxy_command:
                route = f" via proxy command `{first.proxy_command}` then"
            # By the name ssh_config gives it too: 'via bastion (ops@10.0.0.1:2200)'.
            route += " via " + " → ".join(
                h.endpoint if h.alias == h.host else f"{h.alias} ({h.endpoint})" for h in hops
            )
        elif self.proxy_command:
            route = f" via proxy command `{self.proxy_command}`"
        return self.endpoint + route

    def proxy_argv(self) -> list[str] | None:
        """The proxy command as OpenSSH runs it: `exec` under the user's shell."""
        if not self.proxy_command:
            return None
        return [os.environ.get("SHELL") or "/bin/sh", "-c", f"exec {self.proxy_command}"]


def parse_hop(spec: str) -> tuple[str | None, str, int | None]:
    """`[user@]host[:port]` as (user, host, port); RouteError where ssh refuses it too."""
    hop = split_hop(spec)
    if hop is None:
        raise RouteError(hop_refusal(spec))
    return hop


class Resolver:
    """Resolves inventory hosts and jump hosts into Destinations, each once."""

    def __init__(self, defaults: SshDefaults, local_user: str | None = None):
        self.defaults = defaults
        self.local_user = local_user or getpass.getuser()
        names = defaults.config_files if defaults.use_ssh_config else []
        self.config_files = [
            p for n in names if os.access(p := Path(n).expanduser(), os.R_OK) and p.is_file()
        ]
        self._cache: dict[tuple[Any, ...], Destination] = {}

    def resolve(self, alias: str, preset: Preset = NO_PRESET) -> Destination:
        """The destination an inventory host named `alias` really is."""
        return self._resolve(alias, preset, hop=False, seen=())

    def _resolve(self, alias: str, preset: Preset, hop: bool, seen: Seen) -> Destination:
        key = (alias, preset, hop)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(alias, preset, hop, seen)
        return found

    def _load(self, alias: str, preset: Preset) -> OpenSshConfig | dict[str, object]:
        seed: dict[str, object] = {}
        if preset.hostname:
            seed["Hostname"] = preset.hostname
        if preset.jump:
            seed["ProxyJump"] = None if preset.jump.lower() == "none" else preset.jump
        if preset.proxy_command:
            seed["ProxyCommand"] = preset.proxy_command
        elif not self.config_files:
            # No file to read and nothing to %-expand: asyncssh's parser would hand back
            # exactly these values, at half the cost per host (issue 18).
            given = {"User": preset.user, "Port": preset.port}
            return {**{k: v for k, v in given.items() if v}, **seed}
        # asyncssh's parser, imported by the first connection that reads ssh_config.
        from asyncssh.config import ConfigParseError

        from console.engine.ssh_config import OpenSshConfig

        # /dev/null when there are no files: the %-tokens still get expanded.
        files = self.config_files or [Path(os.devnull)]
        asked = (self.local_user, preset.user or (), alias, preset.port or (), seed)
        try:
            # asyncssh annotates load() as returning SSHConfig; it returns cls(...).
            config = cast(
                OpenSshConfig, OpenSshConfig.load(None, files, False, False, False, *asked)
            )
            if config.has_match_final():  # as ssh: the files read again, `Match final` true,
                # on top of what the first reading set (the first value found still wins)
                config = cast(
                    OpenSshConfig, OpenSshConfig.load(config, files, False, False, True, *asked)
                )
            config.expand_tokens()
        except (ConfigParseError, OSError) as exc:
            raise RouteError(f"ssh_config: {exc}") from None
        return config

    def _build(self, alias: str, preset: Preset, hop: bool, seen: Seen) -> Destination:
        # A loop is the same alias resolved the same way again: a host and its jump host
        # may share an alias (an Ansible host's address and a bastion on it, -J u@addr:2222).
        if (alias, preset, hop) in seen or len(seen) > MAX_HOPS:
            raise RouteError("ProxyJump loop: " + " → ".join([s[0] for s in seen] + [alias]))
        config = self._load(alias, preset)
        d = self.defaults
        # An option as asyncssh parsed it: a str, int, bool or list of str, by option.
        get: Callable[..., Any] = config.get
        home = os.environ.get("HOME")
        jump_spec = get("ProxyJump", _UNSET)
        proxy_command = get("ProxyCommand")
        if jump_spec is _UNSET:
            jump_spec = None
            direct = get("ProxyCommand", _UNSET) is not _UNSET  # ProxyCommand, even `none`
            if not hop and d.jump_host and not direct:
                jump_spec = None if d.jump_host.lower() == "none" else d.jump_host
        named = get("IdentityFile") or []
        identity = [*preset.identity_files, *named] or d.identity_files
        at: dict[str, tuple[str, int]] = getattr(config, "identity_at", dict)()  # ssh_config's
        key_lines = [
            (p, *at[raw]) for raw, p in zip(named, _paths(named, home), strict=True) if raw in at
        ]
        user_known = get("UserKnownHostsFile")
        if user_known is None:
            user_known = [d.known_hosts] if d.known_hosts else DEFAULT_USER_KNOWN_HOSTS
        notes = []
        strict = get("StrictHostKeyChecking")
        if strict is not None and strict is not True:
            notes.append(
                f"StrictHostKeyChecking {_word(strict)} ignored: host keys are always checked"
            )
        for path, line, option in getattr(config, "ignored", ()):
            if note := ignored_note(path, line, option):
                notes.append(note)
        jump = self._jump_chain(jump_spec, (*seen, (alias, preset, hop))) if jump_spec else None
        return Destination(
            alias=alias,
            host=str(get("Hostname", alias)),
            port=int(get("Port") or d.port or 22),
            user=str(get("User") or d.user or self.local_user),
            jump=jump,
            proxy_command=None if jump else proxy_command,
            identity_files=_paths(identity, home),
            identities_only=bool(get("IdentitiesOnly")),
            user_known_hosts=_paths(user_known, home),
            global_known_hosts=_paths(
                get("GlobalKnownHostsFile", DEFAULT_GLOBAL_KNOWN_HOSTS), home
            ),
            hash_known_hosts=bool(get("HashKnownHosts")),
            host_key_alias=get("HostKeyAlias"),
            connect_timeout=float(get("ConnectTimeout") or d.connect_timeout),
            keepalive_interval=float(get("ServerAliveInterval", d.keepalive_interval)),
            keepalive_count_max=int(get("ServerAliveCountMax", 3)),
            notes=tuple(notes),
            key_lines=tuple(key_lines),
            port_at=getattr(config, "port_at", None),
        )

    def _jump_chain(self, spec: str, seen: Seen) -> Destination:
        """`a,b`: a is reached as its own config says; each later hop through the one
        before it (OpenSSH ignores a later hop's own ProxyJump)."""
        previous: Destination | None = None
        for part in spec.split(","):
            user, host, port = parse_hop(part.strip())
            preset = Preset(user=user, port=port)
            if previous is not None:
                preset = Preset(user=user, port=port, jump="none")
            hop = self._resolve(host, preset, hop=True, seen=seen)
            if previous is not None:
                hop = hop._replace(jump=previous, proxy_command=None)
            previous = hop
        assert previous is not None
        return previous


def _paths(values: Sequence[str], home: str | None) -> tuple[str, ...]:
    """Each path with `~` expanded (and normalised, as pathlib does); `home` is $HOME."""
    return tuple([_expanded(v, home) for v in values])


@functools.lru_cache(maxsize=1024)
def _expanded(path: str, home: str | None) -> str:
    """One path expanded under `home` (a key only: pathlib reads $HOME itself): a fleet's
    hosts share a handful of paths, and pathlib costs ~10 us a path."""
    return str(Path(path).expanduser())


def _word(value: object) -> str:
    return (
        {False: "no", True: "yes"}.get(value, str(value)) if isinstance(value, bool) else str(value)
    )
