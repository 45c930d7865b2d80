"""As many open files as this account may have. A host's connection holds one or two (a
`run` keeps every host's until its last step, unless the room is short: then idle ones are
closed, engine/open_connections.py), and many jump hosts give a process 1,024 by default,
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


def too_few_for(files: int) -> str | None:
    """check-config's line where the files a run's connections hold (each kept to its
    host's last step) and the console's own are more than this process may open, even
    raised to the hard limit; None where they fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = files + OWN_FILES
    if soft == resource.RLIM_INFINITY or needed <= soft:
        return None
    most = "unlimited" if hard == resource.RLIM_INFINITY else hard
    return (
        f"open files: a run's connections hold {files:,} (a host's one, two through a proxy"
        f" command, none through a jump host; a jump host's one) besides the console's own"
        f" files, {needed:,} in all, and this jump host allows {soft:,} (ulimit -Hn: {most}):"
        " idle ones are closed to make room, their hosts dialled again when next used (a"
        " login more each, slower); raise the hard limit (nofile in"
        " /etc/security/limits.conf, LimitNOFILE= for a service)"
    )
