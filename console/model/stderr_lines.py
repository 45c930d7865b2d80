"""Which line of what a command printed on stderr says what went wrong: by convention the
last, but not a line that points into a statement (psql's `^` under a query, its echo of
the query as `LINE 1: ...`): below `ERROR:  relation "x" does not exist`, those said
nothing of the error."""

from __future__ import annotations

import re
from collections.abc import Sequence

_POINTER = re.compile(r"^\s*(LINE \d+: .*|[\W_]*)$")


def telling(lines: Sequence[str]) -> str | None:
    """The last line that says something, or None when none does."""
    return next((line for line in reversed(lines) if not _POINTER.match(line)), None)
