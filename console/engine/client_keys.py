"""Which of a login's keys were really offered, and why one was not: the refused login's
line and check-config say it, so that nobody looks for a server-side fault while the key
never left this machine (a passphrase-protected key the console cannot unlock, an
IdentityFile that does not exist, an ssh-agent socket left from an older session)."""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from console.engine.destination import Destination

# OpenSSH's default identities, as asyncssh tries them when nothing names a key (its own
# list, private to it: the ones it can load).
DEFAULT_KEY_FILES = ("id_ed448", "id_ed25519", "id_ecdsa", "id_rsa", "id_dsa")
PASSPHRASE = "passphrase-protected"
AGENT_WAIT = 0.5  # seconds to connect to the agent's socket: it is local, or gone


def key_file_state(path: Path) -> str | None:
    """Why the private key at `path` is not offered, or None when it is one the SSH client
    loads: 'no such file', PASSPHRASE, or what else is wrong with it."""
    import asyncssh  # loaded already wherever a login was refused; check-config's only here

    try:
        asyncssh.read_private_key(path)
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    except asyncssh.KeyImportError as exc:
        return PASSPHRASE if "passphrase" in str(exc).lower() else f"not a private key: {exc}"
    return None


def agent_problem() -> str | None:
    """Why no ssh-agent serves keys here, or None when $SSH_AUTH_SOCK answers."""
    sock_path = os.environ.get("SSH_AUTH_SOCK")
    if not sock_path:
        return "no ssh-agent ($SSH_AUTH_SOCK unset)"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(AGENT_WAIT)
        try:
            sock.connect(sock_path)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            return f"no ssh-agent answers at $SSH_AUTH_SOCK ({sock_path}: {why})"
    return None


TOO_MANY = "Too many authentication failures"  # sshd's words at its MaxAuthTries


async def agent_keys() -> int | None:
    """How many keys the ssh-agent at $SSH_AUTH_SOCK holds; None without one."""
    import asyncio

    import asyncssh

    if agent_problem() is not None:
        return None
    try:
        async with asyncio.timeout(AGENT_WAIT * 2):
            agent = await asyncssh.connect_agent()
            try:
                return len(await agent.get_keys())
            finally:
                agent.close()
    except (OSError, asyncssh.Error, TimeoutError):
        return None


async def too_many_keys(identity_files: Sequence[str], identities_only: bool) -> str:
    """A login the host ended at its MaxAuthTries: every key offered counts as a try, and
    ssh-agent's are offered with the identity files (as ssh offers them, unless
    IdentitiesOnly): the right key may never get its turn."""
    held = None if identities_only else await agent_keys()
    agent = f"; ssh-agent holds {held} keys, each offered as a try" if held else ""
    return (
        f"{TOO_MANY}: the host ended the login at its limit of keys tried (sshd's"
        f" MaxAuthTries, 6 by default) before one it accepts{agent}; IdentitiesOnly yes in"
        f" ssh_config offers only the IdentityFile's; {keys_offered(identity_files, identities_only)}"
    )


def _short(name: str) -> str:
    home = os.environ.get("HOME", "").rstrip("/")
    return "~" + name[len(home) :] if home and name.startswith(home + "/") else name


def _looked_at(identity_files: Sequence[str]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The keys that load (offered) and those that do not (skipped: the file, why, and
    the words for it). With no identity file named, the defaults OpenSSH tries
    (~/.ssh/id_ed25519, ...), an absent one being no news."""
    named = bool(identity_files)
    if not named:
        identity_files = [str(Path.home() / ".ssh" / name) for name in DEFAULT_KEY_FILES]
    offered, skipped = [], []
    for name in identity_files:
        state = key_file_state(Path(name))
        if state is None:
            offered.append(_short(name))
        elif state == PASSPHRASE:
            said = f"{PASSPHRASE}: the console asks for no passphrase; ssh-add it to an ssh-agent"
            skipped.append((name, state, f"{_short(name)} ({said})"))
        elif named or state != "no such file":
            skipped.append((name, state, f"{_short(name)} ({state})"))
    return offered, skipped


def keys_offered(identity_files: Sequence[str], identities_only: bool) -> str:
    """Which keys a refused login offered: the first thing to check when a host says
    'Permission denied' (the wrong IdentityFile, an agent that is not there)."""
    offered, skipped = _looked_at(identity_files)
    said = ", ".join(offered) or ("none" if skipped else "no identity file found")
    if skipped:
        said += "; not offered: " + ", ".join(text for _, _, text in skipped)
    agent = agent_problem()
    if agent is None:
        agent = (
            "ssh-agent's only where they match those (IdentitiesOnly)"
            if identities_only
            else "and ssh-agent's"
        )
    return f"keys offered: {said}; {agent}"


def login_key_notes(identity_files: Sequence[str], inventory_named: frozenset[str]) -> list[str]:
    """check-config's word on the keys a host logs in with, where it is true on this
    machine now: a key there that cannot serve, while no other does and no ssh-agent
    answers (a passphrase-protected key: the console asks for no passphrase), else each
    IdentityFile of ssh_config that does not exist or is not a key. The inventory's own
    identity files are preflight's to name. Nothing is connected."""
    offered, skipped = _looked_at(identity_files)
    if none := _no_key(offered, skipped, inventory_named):
        return [none]
    return [
        f"IdentityFile {_short(name)}: {state}; skipped, as ssh skips it"
        for name, state, _ in skipped
        if state != PASSPHRASE and name not in inventory_named
    ]


def no_login_key(identity_files: Sequence[str], to: str = "") -> str | None:
    """'no key to log in with{to} here: ...' when none of `identity_files` loads (a file
    not there, a passphrase) and no ssh-agent answers: a login bound to fail, before it is
    dialled. None while one key loads or an agent answers (ssh skips the others)."""
    return _no_key(*_looked_at(identity_files), frozenset(), to)


def _no_key(
    offered: list[str], skipped: list[tuple[str, str, str]], named: frozenset[str], to: str = ""
) -> str | None:
    news = [text for name, state, text in skipped if state == PASSPHRASE or name not in named]
    agent = agent_problem() if news and not offered else None
    return f"no key to log in with{to} here: {', '.join(news)}; {agent}" if agent else None


class Keyless(NamedTuple):
    """Logins bound to fail for want of a key: a line for each list of keys (its files
    and lines, and the hosts: 5 at most), the hosts, and whether a system has no host that
    could log in."""

    lines: list[str]
    hosts: set[str]
    refused: bool


def config_keyless(hosts: Iterable[tuple[str, str, Destination]]) -> Keyless:
    """The logins bound to fail for want of a key, of `hosts` (name, system, where it
    goes): a host, or a jump host on its way, whose keys are all named by ssh_config's
    IdentityFile and none loads (a passphrase, a file not there), while no ssh-agent
    answers. Each list of keys is read once; nothing is connected."""
    from console.model.waves import named_some

    agent = agent_problem()
    if agent is None:
        return Keyless([], set(), False)
    said: dict[tuple[tuple[str, str, int], ...], str | None] = {}
    keyless: dict[str, list[str]] = {}
    logs_in: dict[str, bool] = {}  # by system: whether a host of it could log in
    for host, system, dest in hosts:
        why = None
        for hop in (*dest.hops, dest):
            if not hop.key_lines or len(hop.key_lines) < len(hop.identity_files):
                continue  # a key named elsewhere too: preflight's, or the login's, to say
            if hop.key_lines not in said:
                said[hop.key_lines] = _unusable(hop.key_lines, agent)
            if why := said[hop.key_lines]:
                why = (f"jump host {hop.alias}: " if hop is not dest else "") + why
                break
        if why:
            keyless.setdefault(why, []).append(host)
        logs_in[system] = logs_in.get(system, False) or why is None
    lines = [f"{named_some(named, 5)}: {why}" for why, named in keyless.items()]
    return Keyless(
        lines, {h for named in keyless.values() for h in named}, not all(logs_in.values())
    )


def _unusable(key_lines: tuple[tuple[str, str, int], ...], agent: str) -> str | None:
    """`~/.ssh/config:6: IdentityFile ~/.ssh/k (passphrase-protected: ...), and no
    ssh-agent ...: this key cannot be used ...` where none of the keys loads; None where
    one does."""
    found = []
    for path, named_in, line in key_lines:
        state = key_file_state(Path(path))
        if state is None:
            return None
        if state == PASSPHRASE:
            state += ": the console asks for no passphrase"
        found.append(f"{_short(named_in)}:{line}: IdentityFile {_short(path)} ({state})")
    one = len(found) == 1
    return (
        f"{'; '.join(found)}, and {agent}: {'this key' if one else 'these keys'} cannot be"
        f" used without an ssh-agent, no key to log in with; ssh-add {'it' if one else 'one'}"
        " to an ssh-agent, or name a key that loads"
    )


@functools.lru_cache(maxsize=1)
def no_default_keys() -> list[Any]:
    """The client keys of a login whose named keys none loads (a file gone, a passphrase):
    ssh offers the agent's then, never the default ~/.ssh/id_* files (readconf.c adds those
    only when nothing names a key), where asyncssh loads the defaults for an empty list.
    One key made in memory, that no server trusts, offered after the agent's (seen: a
    login to app-2 with ~/.ssh/id_ed25519 while ssh_config named ~/.ssh/nosuchkey)."""
    import asyncssh

    return [asyncssh.generate_private_key("ssh-ed25519", comment="none of the keys named loads")]
