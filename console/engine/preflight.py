"""What this machine must have for a configuration to run: directories the console can
write, key files that are keys. Checked at load, by every command, so that a run never
starts to find them missing. A missing or passphrase-protected identity file is a
warning: as OpenSSH does, the console skips it (ssh-agent may hold the key); one that
leaves the hosts a command names no key to log in with is an error (`machine_problems`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from console.model.problems import Finding, Loc, closest, did_you_mean
from console.model.settings import Settings


def machine_problems(settings: Settings, scope: frozenset[str] | None = None) -> list[Finding]:
    """What this machine lacks for `settings`. A key file not there that leaves a host no
    key to log in with is an error for the hosts of the systems in `scope` (the command's
    --systems; None: every one, as check-config says), a warning for the others: a key of
    another system's, kept on another jump host, refused a rollback of this one."""
    ssh = settings.inventory.ssh
    keys: list[tuple[Loc, list[str]]] = [(("ssh",), ssh.identity_files)]
    keys += [
        (("systems", i, "hosts", j), host.identity_files)
        for i, system in enumerate(settings.inventory.systems)
        for j, host in enumerate(system.hosts)
    ]
    looked = [
        ((*where, "identity_files", index), str(Path(name).expanduser()), problem, warning)
        for where, names in keys
        for index, name in enumerate(names)
        for problem, warning in [_key_problem(Path(name).expanduser())]
        if problem
    ]
    missing = {path for _, path, problem, _ in looked if problem.endswith(SKIPPED)}
    keyless = _keyless(settings, missing, scope) if missing else {}
    findings = []
    for loc, path, why, warning in looked:
        if path not in keyless:
            findings.append(Finding("inventory", loc, why, warning))
        elif said := keyless[path]:  # said once, at the first line naming it
            findings.append(Finding("inventory", loc, *said))
            keyless[path] = None
    findings += _ssh_config_problems(settings)
    known = Path(ssh.known_hosts).expanduser() if ssh.known_hosts else None
    if known is not None and (found := _known_hosts_problem(known)):
        findings.append(Finding("inventory", ("ssh", "known_hosts"), *found))
    findings += _redacted_unset(settings)
    for key in ("journal_dir", "lock_dir"):
        value = getattr(settings.console, key)
        problem = value and _directory_problem(Path(value).expanduser())
        if problem:
            findings.append(Finding("console", (key,), problem))
    return findings


def _ssh_config_problems(settings: Settings) -> list[Finding]:
    """Each ssh_config file named in `[ssh] config_files` that cannot be read: skipped, its
    hosts would go where the other files (or nothing) say, as `ssh -F` never does. The
    default pair (~/.ssh/config, /etc/ssh/ssh_config) may be missing, as in OpenSSH (not
    given, config_files is that pair)."""
    ssh = settings.inventory.ssh
    if not ssh.use_ssh_config:
        return []
    defaults = type(ssh)().config_files
    findings = []
    for index, name in enumerate(ssh.config_files):
        path = Path(name).expanduser()
        if name in defaults or (path.is_file() and os.access(path, os.R_OK)):
            continue
        where = path.absolute()  # a relative name is read from the current directory
        problem = (
            f"{where}: no such file"
            if not path.exists()
            else f"{where} is not a regular file"
            if not path.is_file()
            else f"{where} cannot be read by this user"
        )
        findings.append(
            Finding(
                "inventory",
                ("ssh", "config_files", index),
                f"{problem}; the hosts would be reached without it (ssh -F refuses it too)",
            )
        )
    return findings


def _keyless(
    settings: Settings, missing: set[str], scope: frozenset[str] | None
) -> dict[str, tuple[str, bool] | None]:
    """For each identity file not there that leaves a host (or a jump host on its way)
    with no key that loads, while no ssh-agent answers: the line saying so, naming the
    hosts, and whether it is only a warning (none of them in `scope`'s systems). A login
    bound to fail is refused before anything is dialled; one key of each distinct list is
    read once. Only looked at when a named key is missing."""
    from console.engine.client_keys import agent_problem, no_login_key
    from console.engine.routes import routes
    from console.model.waves import named_some

    if agent_problem() is None:
        return {}
    inventory = settings.inventory
    served: dict[tuple[str, ...], bool] = {}
    hosts: dict[str, list[str]] = {}
    lists: dict[str, tuple[str, ...]] = {}
    for route in routes(inventory, inventory.host_names):
        for hop in (*route.dest.hops, route.dest) if route.dest else ():
            if not (gone := missing.intersection(hop.identity_files)):
                continue
            files = hop.identity_files
            if files not in served:
                served[files] = no_login_key(files) is None
            for path in gone if not served[files] else ():
                lists.setdefault(path, files)
                if route.host not in hosts.setdefault(path, []):
                    hosts[path].append(route.host)
    system_of = {h.name: s.name for s in inventory.systems for h in s.hosts}
    return {
        path: (
            f"{no_login_key(lists[path], to=' to ' + named_some(named, 5))}; correct the"
            " path, or ssh-add the key to an ssh-agent",
            scope is not None and not any(system_of.get(h) in scope for h in named),
        )
        for path, named in hosts.items()
    }


SKIPPED = ": no such file; skipped (ssh-agent may hold the key)"


def _key_problem(path: Path) -> tuple[str | None, bool]:
    """Why `path` will not serve as a private key, and whether that is only a warning."""
    try:
        path.stat()
    except PermissionError as exc:  # in a directory this account may not enter
        return f"{path} cannot be read: {exc.strerror or exc}", False
    except OSError:
        pass  # as before: said below
    if not path.exists():
        return f"{path}{SKIPPED}", True
    if not path.is_file():
        return f"{path} is not a regular file", False
    import asyncssh  # here only: its import is ~15 % of the console's way to its first frame

    try:
        asyncssh.read_private_key(path)
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}", False
    except asyncssh.KeyImportError as exc:
        if "passphrase" not in str(exc).lower():
            return _not_private(path, str(exc)), False
        return None, False  # passphrase-protected: the hosts' "keys for" warning says it
    mode = path.stat().st_mode & 0o777
    if mode & 0o077 and path.stat().st_uid == os.geteuid():  # OpenSSH's own test
        return (
            f"{path}: mode {mode:04o} lets other accounts read it: ssh refuses such a key"
            f" (chmod 600 {path}); the console logs in with it",
            True,
        )
    return None, False


def _not_private(path: Path, why: str) -> str:
    """Why `path` is no private key; a public key (`id_ed25519.pub`) names its pair."""
    import asyncssh

    try:
        asyncssh.read_public_key(path)
    except (OSError, asyncssh.KeyImportError):
        return f"{path} is not a private key the SSH client can load: {why}"
    pair = path.with_suffix("") if path.suffix == ".pub" else None
    name = f", {pair}" if pair is not None and pair.is_file() else ""
    return f"{path} is a public key: name its private key{name}, which the SSH client logs in with"


def _redacted_unset(settings: Settings) -> list[Finding]:
    """Each `[redact] env` name that is not set here while one close to it is: a typo that
    leaves the secret it meant unmasked, in the journal and every export. A name merely
    unset (its secret not exported in this shell) has nothing to mask: no word of it."""
    findings = []
    for index, name in enumerate(settings.console.redact.env):
        if name in os.environ:
            continue
        close = closest(name, os.environ, cutoff=0.8)
        if close is not None:
            findings.append(
                Finding(
                    "console",
                    ("redact", "env", index),
                    f"${name} is not set here, ${close} is: its value would not be masked"
                    f" in the journal and exports{did_you_mean(name, [close])}",
                    True,
                )
            )
    return findings


def _known_hosts_problem(path: Path) -> tuple[str, bool] | None:
    """Why the known_hosts file named will not serve, and whether only as a warning. One
    in a directory this account may not enter (a team's, of a group it is not in) is an
    error naming it, as one it cannot read: every host's key would be unknown."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _no_known_hosts(path), True
    except OSError as exc:
        return f"{path} cannot be read by this account: {exc.strerror or exc}", False
    if not stat.S_ISREG(mode):
        return f"{path} is not a regular file", False
    if not os.access(path, os.R_OK):
        return f"{path} cannot be read by this account: {os.strerror(13)}", False
    return None


def _no_known_hosts(path: Path) -> str:
    """A known_hosts file named and absent: a typo, or no host trusted yet. Not an error,
    as in OpenSSH: a key accepted in the console (or by --accept-host-key) creates it."""
    return (
        f"{path}: no such file: every host's key is unknown (exec, run and drill fail each"
        " host) until one is accepted (k in the system picker, or --accept-host-key),"
        " which creates it"
    )


def _directory_problem(path: Path) -> str | None:
    """Why the console could not create and write files in `path`, or None."""
    try:
        path.stat()
    except PermissionError as exc:  # in a directory this account may not enter
        return f"{path} cannot be reached by this account: {exc.strerror or exc}"
    except OSError:
        pass  # as before: said below
    if path.exists():
        if not path.is_dir():
            return f"{path} is not a directory"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"{path} is not writable by this user"
        if failed := _root_cannot_create_in(path):
            return f"{path} is not writable: {failed}"
        if path.stat().st_mode & (stat.S_IWOTH | stat.S_ISVTX):  # /tmp, /run/lock
            return (
                f"{path} is shared by every account (mode {stat.S_IMODE(path.stat().st_mode):o}):"
                " the console would take others' access to it away; name a directory of its"
                f" own, e.g. {path / 'rollback-console'}"
            )
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{path} cannot be created: {parent} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{path} cannot be created: {parent} is not writable by this user"
    if failed := _root_cannot_create_in(parent):
        return f"{path} cannot be created in {parent}: {failed}"
    return None


def _root_cannot_create_in(directory: Path) -> str | None:
    """Why root could not create a directory in `directory` (the system's reason), or None.
    access(2) answers yes to root for every directory, /proc and /sys too, where mkdir then
    fails: so root tries it, with a directory removed at once. Others' access is the truth."""
    if os.geteuid() != 0:
        return None
    trial = directory / f".rollback-console-check-{os.getpid()}"
    try:
        trial.mkdir()
        trial.rmdir()
    except FileExistsError:
        return None
    except OSError as exc:
        return f"making a directory there fails ({exc.strerror or exc})"
    return None
