"""Wave and failure-threshold arithmetic, pure so it can be tested exhaustively."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# A wave's size in a list of them (`sizes = [1, "25%"]`, as Ansible's `serial`): a number
# of hosts, or a share of the hosts the run takes ("25%").
WaveSize = int | str
SHARE = re.compile(r"^(\d+(?:\.\d+)?)%$")


def size_problem(size: object) -> str:
    """Why `size` is not a wave size, or ''."""
    said = str(size).lower() if isinstance(size, bool) else repr(size)
    said = f'"{size}"' if isinstance(size, str) else said  # as TOML writes it
    share = f'"{size:g}%"' if isinstance(size, float) else '"25%"'
    if isinstance(size, int) and not isinstance(size, bool):
        return "" if size >= 1 else f"{size} hosts: a wave has 1 at least"
    if not isinstance(size, str) or not (match := SHARE.fullmatch(size)):
        return f"{said} is not a wave size: give a whole number of hosts (1) or a share of them ({share})"
    if not 0 < float(match[1]) <= 100:
        return f"{said}: a share of the hosts is more than 0% and at most 100%"
    return ""


def hosts_in(size: WaveSize, total: int) -> int:
    """How many of `total` hosts a wave of `size` takes: its number, or its share of the
    total rounded down (at least 1)."""
    if isinstance(size, int):
        return size
    share = SHARE.fullmatch(size)
    assert share is not None, size  # checked as configured: size_problem
    return max(1, math.floor(total * float(share[1]) / 100))


def wave_sizes(
    total: int,
    size: int | None = None,
    percent: float | None = None,
    sizes: Sequence[WaveSize] | None = None,
) -> list[int]:
    """Split `total` hosts into waves: of `size` hosts or `percent` of the total (at least
    1), or of each of `sizes` in order, its last repeated until every host has one (the
    last wave takes what is left)."""
    if total <= 0:
        return []
    if sizes:
        planned: list[int] = []
        left = total
        while left > 0:
            planned.append(min(left, hosts_in(sizes[min(len(planned), len(sizes) - 1)], total)))
            left -= planned[-1]
        return planned
    if size:
        step = size
    elif percent:
        step = max(1, math.floor(total * percent / 100))
    else:
        return [total]
    sizes_of = [step] * (total // step)
    if total % step:
        sizes_of.append(total % step)
    return sizes_of


def sizes_said(sizes: list[int]) -> str:
    """`3 waves of 1 host each`; `9 waves of 3 hosts, the last of 2`; waves of sizes that
    change (`waves.sizes`), the last after `and`: `3 waves, of 1, 1 and 198 hosts` (`3
    waves of 1, 1, 198 host(s)` read as waves of one host, and 198 hosts besides), past
    four each run of one size once: `7 waves, of 1, 5, 20 ×4 and 14 hosts`; one wave: `all
    3 at once`, or `1 host, one wave` (a retry of one host read "all 1 at once")."""
    if len(sizes) == 1:
        return "1 host, one wave" if sizes[0] == 1 else f"all {sizes[0]} at once"
    if len(set(sizes)) == 1:
        return f"{len(sizes)} waves of {_hosts(sizes[0])} each"
    if len(set(sizes[:-1])) == 1 and sizes[-1] < sizes[0]:  # what `size` leaves, last
        return f"{len(sizes)} waves of {_hosts(sizes[0])}, the last of {sizes[-1]}"
    said = list(map(str, sizes))
    if len(sizes) > 4:  # each listed, the line took 40 rows of the dialog at 80 columns
        runs = [(size, len(list(alike))) for size, alike in itertools.groupby(sizes)]
        said = [f"{size} ×{many}" if many > 1 else str(size) for size, many in runs]
    return f"{len(sizes)} waves, of {', '.join(said[:-1])} and {said[-1]} hosts"


def _hosts(count: int) -> str:
    return f"{count} host{'' if count == 1 else 's'}"


def hosts_said(hosts: Sequence[str], shown: int | None = None) -> str:
    """`6 hosts: web-2, web-3, ...` (`shown` of them at most, then `+N more`; all when
    None; 0: `6 hosts`), or the one: `1 host: web-2`."""
    many = f"{len(hosts)} host{'' if len(hosts) == 1 else 's'}"
    if shown == 0:
        return many
    return f"{many}: {named_some(hosts, shown)}"


def share_said(percent: float | None) -> str:
    """` (25%)`: a gradual strategy's stage's share; nothing for a wave (or a question
    recorded before shares were, 2026-12-07)."""
    return f" ({percent:g}%)" if percent is not None else ""


def named_some(hosts: Sequence[str], shown: int | None = None) -> str:
    """`web-2, web-3, web-4 +3 more`: `shown` of the hosts at most (all when None)."""
    more = len(hosts) - shown if shown is not None else 0
    return ", ".join(hosts[:shown]) + (f" +{more} more" if more > 0 else "")


def in_waves(items: Sequence[T], sizes: Sequence[int]) -> list[list[T]]:
    """`items` cut into waves of `sizes`, in order."""
    ends = list(itertools.accumulate(sizes))
    return [list(items[end - size : end]) for size, end in zip(sizes, ends, strict=True)]


def threshold_exceeded(failed: int, total: int, max_fail_percentage: float | None) -> bool:
    """True once more than `max_fail_percentage` of all targets failed (None: never)."""
    if max_fail_percentage is None or total <= 0:
        return False
    return failed * 100 > max_fail_percentage * total
