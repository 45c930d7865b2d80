"""As many open files as this account may have. A host's connection is one (a `run` keeps
every host's until its last step), and many jump hosts give a process 1,024 by default,
raised only on asking: `exec` on 80 hosts under `ulimit -Sn 64` read 30 of them 'FAILED
(unreachable): OSError: [Errno 24] Too many open files'. The soft limit is raised to the
hard one, as Go's runtime does, at most to OPEN_FILES (what commands started from here
inherit: one that closes every descriptor up to its limit stays quick)."""

from __future__ import annotations

import contextlib
import resource

from console.engine.file_room import OWN_FILES

OPEN_FILES = 65536


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):  # not allowed here: as it was
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def too_few_for(connections: int) -> str | None:
    """check-config's line where a run's connections (one a host and one a jump host,
    each kept to its last step) and the console's own files are more than this process
    may open, even raised to the hard limit; None where they fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = connections + OWN_FILES
    if soft == resource.RLIM_INFINITY or needed <= soft:
        return None
    most = "unlimited" if hard == resource.RLIM_INFINITY else hard
    return (
        f"open files: a run keeps {connections:,} connections open (one a host, one a jump"
        f" host) besides the console's own files, {needed:,} in all, and this jump host allows"
        f" {soft:,} (ulimit -Hn: {most}): the hosts past it would not be dialled, nothing sent"
        " to them; raise the hard limit (nofile in /etc/security/limits.conf, LimitNOFILE= for"
        " a service)"
    )
