"""The fleet: SSH defaults, systems, hosts and tags."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import AfterValidator, ValidationInfo, field_validator, model_validator

from console.model.base import ADDRESS_PATTERN, NAME_PATTERN, YEAR_SECONDS, Field, Strict
from console.model.hops import JUMP_PATTERN, checked_jump
from console.model.later import later
from console.model.problems import Loc, located_error

if TYPE_CHECKING:
    from console.model.probes import Probe
else:  # built at its first use: most systems list no probes (issue 18)
    Probe = later("console.model.probes", "Probe")

# A port past 65535 in it passed check-config and was refused only as a host resolved.
JumpHost = Annotated[str | None, Field(pattern=JUMP_PATTERN), AfterValidator(checked_jump)]


def _sent_as_written(workdir: str | None) -> str | None:
    """A workdir is sent as written (`cd -- DIR`): `/srv/{{host}}` passed check-config,
    then every command failed on every host, `cd: can't cd to /srv/{{host}}` (exit 97)."""
    if workdir is not None and "{{" in workdir:
        raise ValueError(
            f"{workdir!r}: a workdir takes no placeholders (it is sent as written): give"
            " the directory itself, or each host its own workdir in [[systems.hosts]]"
        )
    return workdir


Workdir = Annotated[str | None, AfterValidator(_sent_as_written)]


class SshDefaults(Strict):
    """How to reach hosts when neither the host's own entry nor ssh_config says.

    Precedence is OpenSSH's: a value set on the host in the inventory wins, then
    ssh_config (`config_files`, first match wins), then these defaults."""

    user: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535, strict=True)
    identity_files: list[str] = []
    known_hosts: str | None = None
    jump_host: JumpHost = None
    use_ssh_config: bool = True
    config_files: list[str] = ["~/.ssh/config", "/etc/ssh/ssh_config"]
    connect_timeout: float = Field(default=10.0, gt=0, le=YEAR_SECONDS, strict=True)
    login_timeout: float = Field(default=15.0, gt=0, le=YEAR_SECONDS, strict=True)
    command_timeout: float = Field(default=300.0, gt=0, le=YEAR_SECONDS, strict=True)
    keepalive_interval: float = Field(default=15.0, ge=0, le=YEAR_SECONDS, strict=True)
    max_handshakes: int = Field(default=50, ge=1, le=1024, strict=True)
    max_commands: int = Field(default=64, ge=1, le=4096, strict=True)


class Host(Strict):
    """One machine; `address` is its HostName, the name is what people say. ssh_config's
    `Host` patterns match `ssh_alias` where it is set (what `ssh ALIAS` is given: an
    Ansible host's ansible_host, as Ansible gives it), else the name."""

    name: str = Field(pattern=NAME_PATTERN)
    address: str | None = Field(default=None, pattern=ADDRESS_PATTERN)
    ssh_alias: str | None = Field(default=None, pattern=ADDRESS_PATTERN)
    port: int | None = Field(default=None, ge=1, le=65535, strict=True)
    user: str | None = None
    identity_files: list[str] = []
    jump_host: JumpHost = None
    proxy_command: str | None = None
    workdir: Workdir = None
    tags: list[str] = []

    @field_validator("address", "ssh_alias")
    @classmethod
    def _no_port(cls, value: str | None, info: ValidationInfo) -> str | None:
        """`host:port`, as people write it elsewhere, went to ssh as a name to resolve."""
        if value is None or value.count(":") != 1:  # an IPv6 address has at least two
            return value
        host, _, port = value.partition(":")
        if host and port.isdigit():
            raise ValueError(
                f"{value!r} puts the port in the {info.field_name}: write"
                f' {info.field_name} = "{host}" and port = {port}'
            )
        raise ValueError(f"{value!r} is neither a host name nor an IP address")

    @model_validator(mode="after")
    def _one_route(self) -> Self:
        if self.jump_host and self.proxy_command:
            raise ValueError("set jump_host or proxy_command, not both")
        return self


class AnsibleSource(Strict):
    """A system's hosts read from an Ansible inventory's group, at load."""

    inventory: str
    group: str = "all"


class System(Strict):
    """A named group of hosts that is rolled back together."""

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    hosts: list[Host] = []  # and/or read from `ansible` when the configuration loads
    ansible: AnsibleSource | None = None
    jump_host: JumpHost = None
    workdir: Workdir = None
    tags: list[str] = []
    strategies: list[str] = []
    rto_minutes: float | None = Field(default=None, gt=0, le=YEAR_SECONDS / 60, strict=True)
    probes: list[Probe] = []
    production: bool = False  # set: no drill sends a command to its hosts (drill_refs.py)

    @model_validator(mode="after")
    def _has_hosts(self) -> Self:
        if not self.hosts:
            raise ValueError(
                f"system {self.name!r} has no hosts: list [[systems.hosts]], or read them"
                ' from Ansible with ansible = { inventory = "...", group = "..." }'
            )
        return self

    @model_validator(mode="after")
    def _unique_hosts(self) -> Self:
        """A host listed twice, said at its second entry's name."""
        first: dict[str, int] = {}
        for index, host in enumerate(self.hosts):
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
        return self

    @model_validator(mode="after")
    def _unique_probes(self) -> Self:
        """A probe name used twice, said at the second one."""
        names = [p.name for p in self.probes]
        twice: list[tuple[Loc, str]] = [
            (("probes", i, "name"), f"probe name {name!r} is used twice")
            for i, name in enumerate(names)
            if name in names[:i]
        ]
        if twice:
            raise located_error("System", twice)
        return self

    def probe(self, name: str) -> Probe:
        return next(p for p in self.probes if p.name == name)


_INDEX = "host_index"  # a key of the instance __dict__ (not a field: never dumped)


class Inventory(Strict):
    """Every system the console may touch."""

    ssh: SshDefaults = SshDefaults()
    systems: list[System] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        """A system declared twice, or a host in two systems: said where the second is."""
        seen_systems: set[str] = set()
        seen_hosts: dict[str, str] = {}
        for i, system in enumerate(self.systems):
            if system.name in seen_systems:
                where: Loc = ("systems", i, "name")
                raise located_error(
                    "Inventory", [(where, f"system {system.name!r} is declared twice")]
                )
            seen_systems.add(system.name)
            for j, host in enumerate(system.hosts):
                if host.name in seen_hosts:
                    where = ("systems", i, "hosts", j, "name")
                    raise located_error(
                        "Inventory",
                        [
                            (
                                where,
                                f"host {host.name!r} is in both {seen_hosts[host.name]!r}"
                                f" and {system.name!r}",
                            )
                        ],
                    )
                seen_hosts[host.name] = system.name
        return self

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
        (a fan-out looks up every host: a scan each was O(hosts²)). A copy of the model
        with other systems (`model_copy`) has another list, so builds its own index."""
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
