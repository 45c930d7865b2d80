"""Connections within the open files this process may have: each is a socket (a handshake
under way too), and a run keeps each host's to its last step. With 64 open files, 80 hosts
dialled at once took every one: the console's own next file (a module to import, the
journal) failed, 'internal error: OSError: [Errno 24] Too many open files', where the
hosts past the limit should each read that this jump host ran out of open files, and
that nothing was sent."""

from __future__ import annotations

import resource
import sys

OWN_FILES = 32  # beside its connections (exec held ~10 at 1,000 hosts): the journal, stdio, ...


def connections_room() -> int:
    """The open files left for connections beside the console's own (at least 1)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return sys.maxsize if soft == resource.RLIM_INFINITY else max(1, soft - OWN_FILES)


def handshakes_at_once(max_handshakes: int, room: int) -> int:
    """`max_handshakes`, or half of `room` (the other half for connections done), whichever
    is fewer; at least 1."""
    return max(1, min(max_handshakes, room // 2))
