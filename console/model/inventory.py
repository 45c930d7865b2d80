"""The fleet: SSH defaults, systems, hosts and tags."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from console.model.bounds import ADDRESS_PATTERN, NAME_PATTERN, YEAR_SECONDS
from console.model.frozen import (
    EMPTY_SHOWN,
    After,
    Frozen,
    Limits,
    Shown,
    checked_after,
    empty_list,
    in_turn,
    ruled,
)
from console.model.hops import JUMP_PATTERN, checked_jump
from console.model.later import later
from console.model.problems import Loc, located_error, used_twice

if TYPE_CHECKING:
    from console.model.probes import Probe
else:  # built at its first use: most systems list no probes (issue 18)
    Probe = later("console.model.probes", "Probe")

# A port past 65535 in it passed check-config and was refused only as a host resolved.
JumpHost = Annotated[str | None, Limits(pattern=JUMP_PATTERN, strict=False), After(checked_jump)]
Texts = Annotated[list[str], EMPTY_SHOWN]
Address = Limits(pattern=ADDRESS_PATTERN, strict=False)


def _sent_as_written(workdir: str | None) -> str | None:
    """A workdir is sent as written (`cd -- DIR`): `/srv/{{host}}` passed check-config,
    then every command failed on every host, `cd: can't cd to /srv/{{host}}` (exit 97)."""
    if workdir is not None and "{{" in workdir:
        raise ValueError(
            f"{workdir!r}: a workdir takes no placeholders (it is sent as written): give"
            " the directory itself, or each host its own workdir in [[systems.hosts]]"
        )
    return workdir


Workdir = Annotated[str | None, After(_sent_as_written)]


def _ssh_config_files() -> list[str]:
    return ["~/.ssh/config", "/etc/ssh/ssh_config"]


@dataclass(init=False, repr=False, eq=False)
class SshDefaults(Frozen):
    """How to reach hosts when neither the host's own entry nor ssh_config says.

    Precedence is OpenSSH's: a value set on the host in the inventory wins, then
    ssh_config (`config_files`, first match wins), then these defaults."""

    user: str | None = None
    port: int | None = ruled(None, ge=1, le=65535, strict=True)
    identity_files: Texts = field(default_factory=empty_list)
    known_hosts: str | None = None
    jump_host: JumpHost = None
    use_ssh_config: bool = True
    config_files: Annotated[list[str], Shown(_ssh_config_files())] = field(
        default_factory=_ssh_config_files
    )
    connect_timeout: float = ruled(10.0, gt=0, le=YEAR_SECONDS, strict=True)
    login_timeout: float = ruled(15.0, gt=0, le=YEAR_SECONDS, strict=True)
    command_timeout: float = ruled(300.0, gt=0, le=YEAR_SECONDS, strict=True)
    keepalive_interval: float = ruled(15.0, ge=0, le=YEAR_SECONDS, strict=True)
    # Each handshake's connect and login timers start as it does, not while it waits: 200
    # dials a fleet of up to 200 at once; more at once on a slow jump host timed out
    # behind its own CPU (bench/RESULTS.md, "The handshake cap on a slow jump host").
    max_handshakes: int = ruled(200, ge=1, le=1024, strict=True)
    # Through a ProxyCommand (`ssh -W %h:%p bastion`) each handshake is one more login on
    # the bastion, whose sshd drops logins past its MaxStartups (10:30:100 by default: at
    # random once 10 are pending): of 30 hosts dialled at once, 4-5 read unreachable
    # (bench/RESULTS.md, "Hosts behind a bastion"). A jump_host is one login, its channels.
    max_proxy_handshakes: int = ruled(10, ge=1, le=1024, strict=True)
    # A command's timer starts as it is sent, not while it waits: at 64, 200 hosts ran as
    # four rounds; uncapped on a slow jump host, 1,000 hosts' `true` read up to 6 s behind
    # its CPU (a probe's timeout is 5 s), at 200 up to 1.6 (bench/RESULTS.md, "The command cap").
    max_commands: int = ruled(200, ge=1, le=4096, strict=True)


def _no_port_in(key: str) -> Any:
    def no_port(value: str | None) -> str | None:
        """`host:port`, as people write it elsewhere, went to ssh as a name to resolve."""
        if value is None or value.count(":") != 1:  # an IPv6 address has at least two
            return value
        host, _, port = value.partition(":")
        if host and port.isdigit():
            raise ValueError(
                f'{value!r} puts the port in the {key}: write {key} = "{host}" and port = {port}'
            )
        raise ValueError(f"{value!r} is neither a host name nor an IP address")

    return After(no_port)


@dataclass(init=False, repr=False, eq=False)
class Host(Frozen):
    """One machine; `address` is its HostName, the name is what people say. ssh_config's
    `Host` patterns match `ssh_alias` where it is set (what `ssh ALIAS` is given: an
    Ansible host's ansible_host, as Ansible gives it), else the name."""

    name: str = ruled(pattern=NAME_PATTERN)
    address: Annotated[str | None, Address, _no_port_in("address")] = None
    ssh_alias: Annotated[str | None, Address, _no_port_in("ssh_alias")] = None
    port: int | None = ruled(None, ge=1, le=65535, strict=True)
    user: str | None = None
    identity_files: Texts = field(default_factory=empty_list)
    jump_host: JumpHost = None
    proxy_command: str | None = None
    workdir: Workdir = None
    tags: Texts = field(default_factory=empty_list)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), _one_route)


def _one_route(host: Host) -> Host:
    if host.jump_host and host.proxy_command:
        raise ValueError("set jump_host or proxy_command, not both")
    return host


@dataclass(init=False, repr=False, eq=False)
class AnsibleSource(Frozen):
    """A system's hosts read from an Ansible inventory's group, at load."""

    inventory: str
    group: str = "all"


@dataclass(init=False, repr=False, eq=False)
class System(Frozen):
    """A named group of hosts that is rolled back together."""

    name: str = ruled(pattern=NAME_PATTERN)
    description: str = ""
    # and/or read from `ansible` when the configuration loads
    hosts: Annotated[list[Host], EMPTY_SHOWN] = field(default_factory=empty_list)
    ansible: AnsibleSource | None = None
    jump_host: JumpHost = None
    workdir: Workdir = None
    tags: Texts = field(default_factory=empty_list)
    strategies: Texts = field(default_factory=empty_list)
    rto_minutes: float | None = ruled(None, gt=0, le=YEAR_SECONDS / 60, strict=True)
    probes: Annotated[list[Probe], EMPTY_SHOWN] = field(default_factory=empty_list)
    production: bool = False  # set: no drill sends a command to its hosts (drill_refs.py)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), in_turn(_has_hosts, _unique_hosts, _unique_probes))

    def probe(self, name: str) -> Probe:
        return next(p for p in self.probes if p.name == name)


def _has_hosts(system: System) -> System:
    if not system.hosts:
        raise ValueError(
            f"system {system.name!r} has no hosts: list [[systems.hosts]], or read them"
            ' from Ansible with ansible = { inventory = "...", group = "..." }'
        )
    return system


def _unique_hosts(system: System) -> System:
    """A host listed twice, said at its second entry's name."""
    first: dict[str, int] = {}
    for index, host in enumerate(system.hosts):
        if host.name in first:
            raise located_error(
                "System",
                [
                    (
                        ("hosts", index, "name"),
                        f"host {host.name!r} is listed twice: hosts[{first[host.name]}]"
                        f" and hosts[{index}]",
                    )
                ],
            )
        first[host.name] = index
    return system


def _unique_probes(system: System) -> System:
    """A probe name used twice, said at the second one."""
    twice = used_twice([p.name for p in system.probes], "probes", "probe")
    if twice:
        raise located_error("System", twice)
    return system


_INDEX = "host_index"  # a key of the instance __dict__ (not a field: never dumped)


_SSH = SshDefaults()  # the default of every Inventory (a record never changes)


@dataclass(init=False, repr=False, eq=False)
class Inventory(Frozen):
    """Every system the console may touch."""

    ssh: SshDefaults = _SSH
    systems: list[System] = ruled(min_length=1)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), _unique_names)

    def system(self, name: str) -> System:
        for system in self.systems:
            if system.name == name:
                return system
        raise KeyError(name)

    def in_order(self, systems: Iterable[str]) -> list[str]:
        """`systems` once each, in the configuration's order (the order every screen and
        line names them in); a name the configuration no longer has comes after them."""
        wanted = dict.fromkeys(systems)
        known = [s.name for s in self.systems if s.name in wanted]
        return known + [name for name in wanted if name not in known]

    def hosts_in_order(self, hosts: Iterable[str]) -> list[str]:
        """`hosts` in the configuration's order (they were sorted: api-010 before web-005);
        a name the configuration does not have comes after them."""
        wanted = set(hosts)
        known = [h for h in self.host_names if h in wanted]
        return known + sorted(wanted - set(known))

    def system_of(self, host_name: str) -> System:
        return self._placed(host_name)[0]

    def host(self, name: str) -> Host:
        return self._placed(name)[1]

    def _placed(self, name: str) -> tuple[System, Host]:
        """The host's system and entry, from an index built once per list of systems
        (a fan-out looks up every host: a scan each was O(hosts²)). A copy of the record
        with other systems (`replace`) has another list, so builds its own index."""
        cached = self.__dict__.get(_INDEX)
        if cached is None or cached[0] is not self.systems:
            index = {h.name: (s, h) for s in reversed(self.systems) for h in reversed(s.hosts)}
            cached = self.__dict__[_INDEX] = (self.systems, index)
        try:
            return cached[1][name]
        except KeyError:
            raise KeyError(name) from None

    def hosts_of(self, systems: Iterable[str]) -> list[str]:
        """The hosts of `systems`, in the configuration's order."""
        wanted = set(systems)
        return [h.name for s in self.systems if s.name in wanted for h in s.hosts]

    @property
    def host_names(self) -> list[str]:
        return [h.name for s in self.systems for h in s.hosts]


def _unique_names(inventory: Inventory) -> Inventory:
    """A system declared twice, or a host in two systems: said where the second is."""
    seen_systems: set[str] = set()
    seen_hosts: dict[str, str] = {}
    for i, system in enumerate(inventory.systems):
        if system.name in seen_systems:
            where: Loc = ("systems", i, "name")
            raise located_error("Inventory", [(where, f"system {system.name!r} is declared twice")])
        seen_systems.add(system.name)
        for j, host in enumerate(system.hosts):
            if host.name in seen_hosts:
                where = ("systems", i, "hosts", j, "name")
                problem = (
                    f"host {host.name!r} is in both {seen_hosts[host.name]!r} and {system.name!r}"
                )
                raise located_error("Inventory", [(where, problem)])
            seen_hosts[host.name] = system.name
    return inventory
