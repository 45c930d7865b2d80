"""check-config's look at a host whose key is recorded on another port than the one it
dials, and on no port another host of the inventory dials there: the port is likely
mistyped (`port = 28010` for 28001). Seen: its warning offered `ssh-keyscan -p 28010 ...`,
a scan of the typo that fetches nothing, and exec then read 'connection refused by
127.0.0.1:28010'."""

from __future__ import annotations

from collections.abc import Iterable

from console.engine.destination import Destination
from console.engine.known_hosts import entry_lines


def _host_port(pattern: str) -> tuple[str, int] | None:
    """`[host]:port` or a bare `host` (port 22) as known_hosts writes it; None for a
    wildcard or a negation, which name no one host."""
    if any(c in pattern for c in "*?!"):
        return None
    if pattern.startswith("[") and "]:" in pattern:
        host, _, port = pattern[1:].partition("]:")
        return (host, int(port)) if port.isdigit() else None
    return pattern, 22


def other_ports(dest: Destination, dialled: Iterable[tuple[str, int]]) -> list[int]:
    """The ports `dest`'s known_hosts files record its name on (plainly: a hashed name
    says no port), but its own and those another host dials at that name."""
    taken = {port for host, port in dialled if host == dest.host} | {dest.port}
    ports = set()
    for path in dest.known_hosts_files:
        for _, line in entry_lines(path):
            if line.startswith(("#", "@", "|")):
                continue
            for pattern in line.split(None, 1)[0].split(","):
                found = _host_port(pattern)
                if found is not None and found[0] == dest.host and found[1] not in taken:
                    ports.add(found[1])
    return sorted(ports)


def port_line(label: str, dest: Destination, ports: list[int], written: str, scan: str) -> str:
    """The warning for a host whose key is recorded on `ports` only: the port it dials
    and where it was written, what the file records, and what to do either way."""
    named = " and ".join(str(p) for p in ports)
    return (
        f"{label}: no host key recorded for {dest.host} on port {dest.port} ({written}),"
        f" but on port {named}, which no host here dials: exec, run and drill refuse it as"
        f" unknown, or find nothing listening; if {dest.port} is mistyped, correct it there;"
        f" if it is right, fetch its key and compare first (docs/quickstart.md, step 3: {scan})"
    )
