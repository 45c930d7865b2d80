"""check-config's look at host keys: a host whose key known_hosts records only under
another form of it (the address, where the inventory gives a name; a name, where it gives
the address) is unknown at connect time, to the console as to ssh (CheckHostIP no).
Nothing is connected: the names are resolved, within a deadline, on daemon threads (a
slow resolver never holds check-config up)."""

from __future__ import annotations

import ipaddress
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from console.engine.destination import Destination
from console.engine.failures import HostFailure
from console.engine.known_hosts import KnownHosts, host_pattern
from console.engine.routes import Route

RESOLVERS = 16
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
    names: Iterable[str], look: Callable[[str], T], deadline: float = 3.0
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


def resolve(hosts: Iterable[str], deadline: float = 3.0) -> dict[str, list[str]]:
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


def misplaced_keys(found: list[Route], known: KnownHosts | None = None) -> list[str]:
    """One line per host (or jump host) whose key is recorded only under another form."""
    known = known or KnownHosts()
    pending: dict[Destination, str] = {}
    for route in found:
        if route.dest is None:
            continue
        for dest in (*route.dest.hops, route.dest):
            label = route.host if dest is route.dest else f"{route.host}'s jump host {dest.alias}"
            if dest.host_key_alias or dest in pending or not _any_entry(dest):
                continue
            if _holding(known, dest, dest.host):
                continue
            pending[dest] = label
    if not pending:
        return []
    forms = resolve(dest.host for dest in pending)
    lines = []
    for dest, label in pending.items():
        for other in forms.get(dest.host, []):
            if path := _holding(known, dest, other):
                why = (
                    f"the name {dest.host} resolves back to"
                    if _is_address(dest.host)
                    else f"the address {dest.host} resolves to"
                )
                lines.append(
                    f"{label}: its host key is in {path} under {host_pattern(other, dest.port)}"
                    f" ({why}) only, not {dest.key_name}: ssh and the console look a key up by"
                    " the name as given, so exec, run and drill refuse it as unknown (the"
                    f" console asks); record it under {dest.key_name}"
                )
                break
    return lines
