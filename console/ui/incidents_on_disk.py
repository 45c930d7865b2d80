"""What the home screen's incident list is read from, looked at cheaply: each journal's
size and time and each lock file's, so that the list is read again (in a thread: it reads
every journal) only when a teammate's console, a headless run or this one changed it."""

from __future__ import annotations

import os
from pathlib import Path

from console.journal.files import JOURNAL_NAME

LOOK_EVERY = 2.0  # seconds between looks at the files
# Listed again however the files stand: the ages, and a console that ended (killed, its
# files left as they were) turn "running" into "ended" and "Left open".
LIST_EVERY = 60.0

OnDisk = tuple[tuple[str, int, int], ...]


def on_disk(journal_root: Path, lock_dir: Path) -> OnDisk:
    """Each journal's and lock file's path, size and modification time."""
    seen = []
    for path in (*journal_root.glob(f"*/{JOURNAL_NAME}"), *lock_dir.glob("*")):
        try:
            stat = os.stat(path)
        except OSError:  # gone meanwhile: the next look says so
            continue
        seen.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(seen))
