"""As many open files as this account may have. A host's connection is one (a `run` keeps
every host's until its last step), and many jump hosts give a process 1,024 by default,
raised only on asking: `exec` on 80 hosts under `ulimit -Sn 64` read 30 of them 'FAILED
(unreachable): OSError: [Errno 24] Too many open files'. The soft limit is raised to the
hard one, as Go's runtime does, at most to OPEN_FILES (what commands started from here
inherit: one that closes every descriptor up to its limit stays quick)."""

from __future__ import annotations

import contextlib
import resource

OPEN_FILES = 65536


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):  # not allowed here: as it was
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
