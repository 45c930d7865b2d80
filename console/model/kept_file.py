"""A small JSON file a command keeps for its next run (the validated configuration, the
libraries asyncssh looks for): read only if it is this user's own regular file that
nobody else may write, as trusted as the state dir it lives in; written whole (to a name
of its own, then renamed: a reader sees the old file or the new one)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any


def read_kept(path: Path) -> dict[str, Any] | None:
    """The object kept at `path`, or None: absent, not this user's own regular file,
    writable by others, or not a JSON object."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()
            or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        ):
            return None
        try:
            kept = json.loads(file.read())
        except (ValueError, OSError):
            return None
    return kept if isinstance(kept, dict) else None


def write_kept(path: Path, data: dict[str, Any], mode: int = 0o600) -> None:
    """`data` kept at `path` (`mode`: 0600, or 0640 for a team's incident); nothing when
    its directory (the state dir, made by the first journal) is not there yet, or on any
    error: the next run finds it again. Raises what json.dumps raises for data it cannot
    write."""
    text = json.dumps(data, allow_nan=False)
    # No state dir yet (nothing is made for a cache alone), or one this account may not
    # look at (os.path.isdir says so for any error; Path.is_dir raised PermissionError).
    if not os.path.isdir(path.parent):
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, mode)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
