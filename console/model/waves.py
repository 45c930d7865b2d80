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
    """`3 waves of 1, 1, 1 host(s)`; past four, the size once: `1000 waves of 1 host(s)`
    (each listed, the line took 40 rows of the dialog at 80 columns) or `9 waves of 3
    host(s), the last of 2`; waves of sizes that change (`waves.sizes`) each run of one
    size once: `7 waves of 1, 5, 20 ×4, 14 host(s)`; one wave: `all 3 at once`, or
    `1 host, one wave` (a retry of one host read "all 1 at once")."""
    if len(sizes) == 1:
        return "1 host, one wave" if sizes[0] == 1 else f"all {sizes[0]} at once"
    if len(sizes) <= 4:
        return f"{len(sizes)} waves of {', '.join(map(str, sizes))} host(s)"
    if len(set(sizes[:-1])) == 1:
        last = f", the last of {sizes[-1]}" if sizes[-1] != sizes[0] else ""
        return f"{len(sizes)} waves of {sizes[0]} host(s){last}"
    runs = [(size, len(list(alike))) for size, alike in itertools.groupby(sizes)]
    said = ", ".join(f"{size} ×{many}" if many > 1 else str(size) for size, many in runs)
    return f"{len(sizes)} waves of {said} host(s)"


def hosts_said(hosts: Sequence[str], shown: int | None = None) -> str:
    """`6 hosts: web-2, web-3, ...` (`shown` of them at most, then `+N more`; all when
    None; 0: `6 hosts`), or the one: `1 host: web-2`."""
    many = f"{len(hosts)} host{'' if len(hosts) == 1 else 's'}"
    if shown == 0:
        return many
    return f"{many}: {named_some(hosts, shown)}"


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
