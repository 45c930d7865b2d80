"""ssh_config resolved as OpenSSH resolves it: each answer compared with `ssh -G`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from console.engine.destination import Preset, Resolver, RouteError
from console.engine.known_hosts import KnownHosts, hashed, host_pattern
from console.engine.targets import targets_for
from console.model.inventory import Inventory, SshDefaults

CONFIG = """\
Host web-*
  User deploy
  ProxyJump bastion-eu
Host db-*
  ProxyJump bastion-eu,inner
  Port 2222
Host bastion-eu
  HostName 10.0.0.1
  Port 2200
  User ops
Host inner
  HostName 10.0.0.2
  User ops
  ProxyJump ignored-for-a-later-hop
Host pc-*
  ProxyCommand ssh -W %h:%p -l %r bastion-eu
  HostName %h.internal
  Port 2022
  ProxyJump loses-to-the-proxy-command
Host direct-*
  ProxyJump none
  ProxyCommand wins-over-proxyjump-none
Host nocmd-*
  ProxyCommand none
  ProxyJump loses-to-proxycommand-none
Match host 10.1.*
  IdentityFile ~/.ssh/id_%h
  IdentitiesOnly yes
  UserKnownHostsFile ~/kh/%h /etc/kh-%r
  GlobalKnownHostsFile /srv/global_known_hosts
  HashKnownHosts yes
  StrictHostKeyChecking accept-new
  ConnectTimeout 7
  ServerAliveInterval 9
Host *
  User fallback
"""

QUERIES = [
    ("web-1", Preset()),
    ("web-1", Preset(hostname="10.1.2.3")),
    ("web-1", Preset(user="root", port=2201)),
    ("web-1", Preset(jump="none")),
    ("web-1", Preset(jump="jumper@other:2022")),
    ("web-1", Preset(jump="ssh://jumper@other:2022")),
    ("db-1", Preset()),
    ("pc-1", Preset()),
    ("pc-1", Preset(user="alice")),
    ("pc-1", Preset(jump="none")),
    ("pc-1", Preset(jump="other")),
    ("direct-1", Preset()),
    ("nocmd-1", Preset()),
    ("10.1.9.9", Preset()),
    ("plain", Preset()),
]

needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client (ssh -G)")


def ssh_g(config: Path, alias: str, preset: Preset) -> dict[str, str]:
    argv = ["ssh", "-G", "-F", str(config)]
    if preset.hostname:
        argv += ["-o", f"HostName={preset.hostname}"]
    if preset.user:
        argv += ["-l", preset.user]
    if preset.port:
        argv += ["-p", str(preset.port)]
    if preset.jump:
        argv += ["-J", preset.jump]
    out = subprocess.run(
        [*argv, alias], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        values[key] = f"{values[key]} {value}" if key == "identityfile" and key in values else value
    return values


def expand(text: str, hostname: str, port: str, user: str) -> str:
    return text.replace("%h", hostname).replace("%p", port).replace("%r", user)


@needs_ssh
@pytest.mark.parametrize(("alias", "preset"), QUERIES)
def test_resolution_matches_ssh_minus_g(tmp_path, monkeypatch, alias, preset):
    home = Path.home()
    config = tmp_path / "config"
    config.write_text(CONFIG)
    resolver = Resolver(SshDefaults(config_files=[str(config)]))
    dest = resolver.resolve(alias, preset)
    ssh = ssh_g(config, alias, preset)
    assert dest.host == ssh["hostname"]
    assert str(dest.port) == ssh["port"]
    assert dest.user == ssh["user"]
    jump = ssh.get("proxyjump")
    if jump:
        plain = jump.replace("ssh://", "").replace("jumper@", "").replace(":2022", "")
        assert ",".join(h.alias for h in dest.hops) == plain
    else:
        assert dest.jump is None
    command = ssh.get("proxycommand")
    if command:
        assert dest.proxy_command == expand(command, ssh["hostname"], ssh["port"], ssh["user"])
    else:
        assert dest.proxy_command is None
    assert " ".join(dest.user_known_hosts) == ssh["userknownhostsfile"]
    assert " ".join(dest.global_known_hosts) == ssh["globalknownhostsfile"]
    assert dest.hash_known_hosts == (ssh["hashknownhosts"] == "yes")
    assert dest.identities_only == (ssh["identitiesonly"] == "yes")
    if ssh["connecttimeout"] != "none":
        assert dest.connect_timeout == float(ssh["connecttimeout"])
    if ssh["serveraliveinterval"] != "0":
        assert dest.keepalive_interval == float(ssh["serveraliveinterval"])
    if dest.identity_files:
        wanted = expand(ssh["identityfile"], ssh["hostname"], ssh["port"], ssh["user"])
        assert " ".join(dest.identity_files) == wanted.replace("~", str(home))
    strict = ssh["stricthostkeychecking"]
    assert bool(dest.notes) == (strict not in ("ask", "true", "yes"))


NO_FILE_PRESETS = [
    Preset(),
    Preset(hostname="10.1.2.3"),
    Preset(user="root", port=2201),
    Preset(hostname="10.1.2.3", user="", port=0),
    Preset(jump="none"),
    Preset(jump="jumper@other:2022"),
    Preset(jump="a,b:2200"),
    Preset(identity_files=("~/.ssh/id_own",)),
]


@pytest.mark.parametrize("defaults", [{}, {"user": "u", "port": 2299, "jump_host": "dj"}])
@pytest.mark.parametrize("preset", NO_FILE_PRESETS)
def test_without_an_ssh_config_file_the_short_path_resolves_as_asyncssh(defaults, preset):
    """No ssh_config file to read (none configured, or none there): the values given are
    taken as they are, without asyncssh's parser; the same destination as the parser's
    (/dev/null read as the only file) gives, hops and all."""
    quick = Resolver(SshDefaults(use_ssh_config=False, **defaults))
    parsed = Resolver(SshDefaults(use_ssh_config=False, **defaults))
    parsed.config_files = [Path(os.devnull)]
    assert quick.resolve("web-1", preset) == parsed.resolve("web-1", preset)


def test_a_jump_chain_is_resolved_hop_by_hop(tmp_path):
    config = tmp_path / "config"
    config.write_text(CONFIG)
    dest = Resolver(SshDefaults(config_files=[str(config)])).resolve("db-7")
    first, second = dest.hops
    assert (first.endpoint, second.endpoint) == ("ops@10.0.0.1:2200", "ops@10.0.0.2:22")
    assert second.jump is first and first.jump is None  # inner's own ProxyJump is ignored
    assert dest.describe() == (
        "fallback@db-7:2222 via bastion-eu (ops@10.0.0.1:2200) → inner (ops@10.0.0.2:22)"
    )


def test_a_proxy_command_is_expanded_and_shown(tmp_path):
    config = tmp_path / "config"
    config.write_text(CONFIG)
    dest = Resolver(SshDefaults(config_files=[str(config)])).resolve("pc-1", Preset(user="al"))
    assert dest.proxy_command == "ssh -W pc-1.internal:2022 -l al bastion-eu"
    assert dest.describe() == (
        "al@pc-1.internal:2022 via proxy command `ssh -W pc-1.internal:2022 -l al bastion-eu`"
    )
    assert dest.proxy_argv()[-2:] == ["-c", "exec ssh -W pc-1.internal:2022 -l al bastion-eu"]


def test_a_jump_loop_is_refused_with_its_path(tmp_path):
    config = tmp_path / "config"
    config.write_text("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n")
    with pytest.raises(RouteError, match="ProxyJump loop: x → a → b → a"):
        Resolver(SshDefaults(config_files=[str(config)])).resolve("x", Preset(jump="a"))


def test_precedence_inventory_host_then_ssh_config_then_defaults(tmp_path):
    """Each level proven: the host's own value wins; ssh_config beats [ssh]; [ssh]
    fills what neither set."""
    config = tmp_path / "config"
    config.write_text("Host configured\n  User from-config\n  Port 2201\n  ProxyJump cfg-jump\n")
    defaults = SshDefaults(
        config_files=[str(config)], user="from-defaults", port=2299, jump_host="default-jump"
    )
    inventory = Inventory.validated(
        {
            "ssh": defaults.dumped(),
            "systems": [
                {
                    "name": "s",
                    "jump_host": "system-jump",
                    "hosts": [
                        {"name": "configured", "user": "from-host", "port": 2202},
                        {"name": "configured-2", "address": "configured"},
                    ],
                },
                {"name": "t", "hosts": [{"name": "configured-3", "address": "configured"}]},
            ],
        }
    )
    resolver = Resolver(inventory.ssh)
    own, by_system, by_defaults = (
        resolver.resolve(t.name, t.preset())
        for t in targets_for(inventory, ["configured", "configured-2", "configured-3"])
    )
    # level 1: the host's user and port, and its system's jump host, beat ssh_config
    assert (own.user, own.port, own.hops[0].alias) == ("from-host", 2202, "system-jump")
    # level 2: ssh_config matches the alias `configured` only; these are other aliases
    config.write_text("Host configured*\n  User from-config\n  Port 2201\n")
    resolver = Resolver(inventory.ssh)
    by_system, by_defaults = (
        resolver.resolve(t.name, t.preset())
        for t in targets_for(inventory, ["configured-2", "configured-3"])
    )
    assert (by_system.user, by_system.port, by_system.hops[0].alias) == (
        "from-config",
        2201,
        "system-jump",
    )
    # level 3: nothing in ssh_config for this alias: the [ssh] defaults apply
    config.write_text("Host nothing-matches\n  User x\n")
    resolver = Resolver(inventory.ssh)
    (by_defaults,) = (
        resolver.resolve(t.name, t.preset()) for t in targets_for(inventory, ["configured-3"])
    )
    assert (by_defaults.user, by_defaults.port, by_defaults.hops[0].alias) == (
        "from-defaults",
        2299,
        "default-jump",
    )
    assert by_defaults.host == "configured"


def test_hashed_entries_match_as_openssh_writes_them(tmp_path):
    from asyncssh import generate_private_key

    key = generate_private_key("ssh-ed25519")
    path = tmp_path / "known_hosts"
    line = KnownHosts().append(path, "[10.0.0.5]:2222", key, hash_it=True)
    assert line.startswith("|1|") and "10.0.0.5" not in line
    known = KnownHosts()
    assert known.knows((str(path),), "10.0.0.5", 2222)
    assert not known.knows((str(path),), "10.0.0.6", 2222)
    salt = __import__("base64").b64decode(line.split("|")[2])
    assert line.split()[0] == hashed(host_pattern("10.0.0.5", 2222), salt)
    if shutil.which("ssh-keygen"):  # OpenSSH finds the host in our hashed entry
        found = subprocess.run(
            ["ssh-keygen", "-F", "[10.0.0.5]:2222", "-f", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert found.returncode == 0 and "found: line 1" in found.stdout


async def test_known_hosts_are_looked_at_again_at_the_next_turn_or_after_an_accept(tmp_path):
    """The hosts of a wave share one look at the files in a turn of the loop; an entry
    written by another process is seen at the next turn, one the console accepts at once."""
    import asyncio

    from asyncssh import generate_private_key

    path = tmp_path / "known_hosts"
    files = (str(path), str(tmp_path / "missing"))
    known = KnownHosts()
    assert not known.knows(files, "10.0.0.7", 2222)
    key = generate_private_key("ssh-ed25519").export_public_key().decode()
    path.write_text(f"[10.0.0.7]:2222 {key}")  # by hand, elsewhere
    await asyncio.sleep(0)  # the next turn
    assert known.knows(files, "10.0.0.7", 2222)
    assert not known.knows(files, "10.0.0.8", 2222)
    known.append(path, "[10.0.0.8]:2222", generate_private_key("ssh-ed25519"), hash_it=False)
    assert known.knows(files, "10.0.0.8", 2222)  # in the same turn


def test_destinations_that_differ_only_in_where_they_are_share_their_options(tmp_path):
    from console.engine.destination import Destination
    from console.engine.dial import Dialer

    dialer = Dialer(SshDefaults(known_hosts=str(tmp_path / "known_hosts"), use_ssh_config=False))
    one = Destination(alias="a", host="10.0.0.1", port=22, user="deploy")
    other = Destination(alias="b", host="10.0.0.2", port=2222, user="deploy", jump=one)
    assert dialer.options(one) is dialer.options(other)
    assert dialer.options(Destination(alias="c", host="10.0.0.3", port=22, user="root")) is not (
        dialer.options(one)
    )
