"""check-config's look at host keys: a host whose key no known_hosts file records (a new
user who has not run ssh-keyscan yet), or records only under another form of it (the
address, where the inventory gives a name; a name, where it gives the address), is
unknown at connect time, to the console as to ssh (CheckHostIP no): said before a run
is refused for it.
Nothing is connected: the names are resolved, within a deadline, on daemon threads (a
slow resolver never holds check-config up)."""

from __future__ import annotations

import ipaddress
import os
import queue
import shlex
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from console.engine.destination import Destination
from console.engine.failures import HostFailure
from console.engine.key_ports import other_ports, port_line
from console.engine.known_hosts import KnownHosts, host_pattern
from console.engine.routes import Route

RESOLVERS = 128  # names looked up at once: a slow resolver (1 s a typo) answers them together
DEADLINE = 3.0  # seconds a name is waited for
T = TypeVar("T")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _other_forms(host: str) -> list[str]:
    """A name's addresses, or an address's names (its reverse lookup)."""
    if _is_address(host):
        name, aliases, _ = socket.gethostbyaddr(host)
        return [name, *aliases]
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def looked_up(
    names: Iterable[str], look: Callable[[str], T], deadline: float = DEADLINE
) -> dict[str, T | OSError | UnicodeError]:
    """`look(name)` for each name on daemon threads, or the error it raised; a name not
    looked up within `deadline` seconds is left out (a slow resolver holds nothing up)."""
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    names = list(dict.fromkeys(names))
    for name in names:
        todo.put(name)
    found: dict[str, T | OSError | UnicodeError] = {}

    def work() -> None:
        while True:
            try:
                name = todo.get_nowait()
            except queue.Empty:
                return
            try:
                found[name] = look(name)
            except (OSError, UnicodeError) as exc:
                found[name] = exc

    workers = [threading.Thread(target=work, daemon=True) for _ in names[:RESOLVERS]]
    for worker in workers:
        worker.start()
    end = time.monotonic() + deadline
    for worker in workers:
        worker.join(max(0.0, end - time.monotonic()))
    return dict(found)


def resolve(hosts: Iterable[str], deadline: float = DEADLINE) -> dict[str, list[str]]:
    """Each host's other forms; a host not resolved within `deadline` seconds has none."""
    return {
        host: forms if isinstance(forms, list) else []
        for host, forms in looked_up(hosts, _other_forms, deadline).items()
    }


def _holding(known: KnownHosts, dest: Destination, host: str) -> str | None:
    """The known_hosts file of `dest` with a key for `host` on its port, if any."""
    for path in dest.known_hosts_files:
        try:
            if known.knows((path,), host, dest.port):
                return path
        except HostFailure:  # unreadable: check-config says so of the file itself
            continue
    return None


def _any_entry(dest: Destination) -> bool:
    """Some known_hosts file of `dest` holds something (else nothing is worth resolving)."""
    for path in dest.known_hosts_files:
        try:
            if os.stat(path).st_size:
                return True
        except OSError:
            continue
    return False


def _unrecorded(
    found: list[Route], known: KnownHosts, skip: Collection[Destination] = ()
) -> dict[Destination, str]:
    """Each host (or jump host) whose key no known_hosts file of its records under the
    name it is looked up by, with how it is named; but those of `skip`."""
    pending: dict[Destination, str] = {}
    for route in found:
        if route.dest is None:
            continue
        for dest in (*route.dest.hops, route.dest):
            label = route.host if dest is route.dest else f"{route.host}'s jump host {dest.alias}"
            if dest in pending or dest in skip:
                continue
            try:
                if known.knows(dest.known_hosts_files, dest.host, dest.port, dest.host_key_alias):
                    continue
            except HostFailure:  # unreadable: check-config says so of the file itself
                continue
            pending[dest] = label
    return pending


def misplaced_keys(found: list[Route], known: KnownHosts | None = None) -> list[str]:
    """One line per host (or jump host) whose key is recorded only under another form."""
    known = known or KnownHosts()
    return list(_misplaced(_unrecorded(found, known), known))


def host_key_findings(
    found: list[Route],
    known: KnownHosts | None = None,
    skip: Collection[Destination] = (),
    written: Callable[[str], str] = lambda host: "as configured",
) -> list[str]:
    """`misplaced_keys`' lines, then one per host whose key is recorded on another port
    only (`written(host)`: where its port was written), then one per known_hosts file for
    the hosts whose key is recorded there under no form at all, the ssh-keyscans that
    record them on lines of their own after it: exec, run and drill stop at them ('host
    key unknown'), and check-config said nothing of it. Those of `skip`
    are said otherwise (a jump host whose name does not resolve)."""
    known = known or KnownHosts()
    pending = _unrecorded(found, known, skip)
    misplaced = _misplaced(pending, known)
    dialled = {(d.host, d.port) for r in found if r.dest for d in (*r.dest.hops, r.dest)}
    unknown: dict[str, list[tuple[Destination, str]]] = {}
    lines = list(misplaced)
    for dest, label in pending.items():
        if dest in misplaced.values():
            continue
        ports = [] if dest.host_key_alias else other_ports(dest, dialled)
        if ports:
            where = _where(dest)
            scan = "; ".join(_keyscan([dest], where.split(", ")[0]))
            lines.append(port_line(label, dest, ports, written(label), scan))
        else:
            unknown.setdefault(_where(dest), []).append((dest, label))
    for where, hosts in unknown.items():
        them = "it" if len(hosts) == 1 else "them"
        named = ", ".join(label for _, label in hosts[:SHOWN])
        more = f" and {len(hosts) - SHOWN} more" if len(hosts) > SHOWN else ""
        lines.append(
            f"{named}{more}: no host key recorded for {them} in {where}: exec, run and drill"
            f" refuse {them} as unknown (the console's picker shows each fingerprint, k"
            " accepts it); fetch and compare first (docs/quickstart.md, step 3):"
        )
        scans = _keyscan([dest for dest, _ in hosts[:SHOWN]], where.split(", ")[0])
        lines[-1] += "".join(f"\n{scan}" for scan in scans)  # pasted whole: check_config folds
    return lines


SHOWN = 5  # hosts named on a line, the others counted


def _keyscan(dests: list[Destination], path: str) -> list[str]:
    """The ssh-keyscan that records `dests`' keys in `path` under the names they are
    looked up by: one command per port, run here for a host dialled from here, on its
    jump host for one behind it (this machine may not reach it); a host with a
    HostKeyAlias its own, its lines renamed to it (ssh-keyscan writes the address)."""
    ports: dict[tuple[str, int], list[str]] = {}
    commands = []
    for dest in dests:
        via = _via(dest)
        if via is None:
            commands.append(f"{dest.key_name} through its ProxyCommand: fetch its key there")
        elif dest.host_key_alias:
            port = "" if dest.port == 22 else f" -p {dest.port}"
            rename = f" | sed 's/^[^ ]*/{dest.key_name}/'"
            commands.append(f"{via}ssh-keyscan{port} {dest.host}{rename} >> {_pasted(path)}")
        elif dest.host not in ports.setdefault((via, dest.port), []):
            ports[(via, dest.port)].append(dest.host)
    commands[:0] = [
        f"{via}ssh-keyscan{'' if port == 22 else f' -p {port}'} {' '.join(hosts)} >> {_pasted(path)}"
        for (via, port), hosts in ports.items()
    ]
    return commands


def _pasted(path: str) -> str:
    """`path` as a shell reads it back, pasted: quoted where it must be, a leading `~/`
    left outside the quotes to be expanded. Seen: `>> /tmp/t/my keys/known_hosts` wrote
    the key to a file /tmp/t/my (and scanned `keys/known_hosts` as a host): exec still
    found the host unknown."""
    home = "~/" if path.startswith("~/") else ""
    return home + shlex.quote(path[len(home) :])


def _via(dest: Destination) -> str | None:
    """How a keyscan reaches `dest`: '' from here, `ssh JUMP ` on the jump host that
    dials it; None through a ProxyCommand."""
    if dest.proxy_command:
        return None
    if not dest.hops:
        return ""
    *before, last = dest.hops
    if last.proxy_command:
        return None
    jump = f"-J {','.join(_named(hop, ':') for hop in before)} " if before else ""
    return f"ssh {jump}{_named(last, ' -p ')} "


def _named(hop: Destination, port: str) -> str:
    """How `ssh` reaches a jump host: its ssh_config alias (a Host block giving its
    HostName), else as the inventory gave it, with its user and its port (`port` puts it
    after, as -J and -p take it). Seen: `jump_host = "deploy@10.0.0.1:2200"` read `ssh
    10.0.0.1 ssh-keyscan ...`, which dials port 22."""
    if hop.alias != hop.host:
        return hop.alias
    user = f"{hop.user}@" if hop.user else ""
    if hop.port == 22:
        return f"{user}{hop.host}"
    return f"{user}{hop.host}:{hop.port}" if port == ":" else f"-p {hop.port} {user}{hop.host}"


def _where(dest: Destination) -> str:
    """The known_hosts files of `dest` that exist, else the first it would read."""
    files = dest.known_hosts_files
    there = [f for f in files if os.path.exists(os.path.expanduser(f))]
    return ", ".join(there or files[:1])


def _misplaced(pending: dict[Destination, str], known: KnownHosts) -> dict[str, Destination]:
    """Of `pending`, those whose key is recorded under another form of their name: each
    one's line, with it."""
    pending = {
        dest: label
        for dest, label in pending.items()
        if not dest.host_key_alias and _any_entry(dest) and not _holding(known, dest, dest.host)
    }
    if not pending:
        return {}
    forms = resolve(dest.host for dest in pending)
    lines: dict[str, Destination] = {}
    for dest, label in pending.items():
        for other in forms.get(dest.host, []):
            if path := _holding(known, dest, other):
                why = (
                    f"the name {dest.host} resolves back to"
                    if _is_address(dest.host)
                    else f"the address {dest.host} resolves to"
                )
                line = (
                    f"{label}: its host key is in {path} under {host_pattern(other, dest.port)}"
                    f" ({why}) only, not {dest.key_name}: ssh and the console look a key up by"
                    " the name as given, so exec, run and drill refuse it as unknown (the"
                    f" console asks); record it under {dest.key_name}"
                )
                lines[line] = dest
                break
    return lines
