"""Wave and failure-threshold arithmetic, pure so it can be tested exhaustively."""

from __future__ import annotations

import math


def wave_sizes(total: int, size: int | None = None, percent: float | None = None) -> list[int]:
    """Split `total` hosts into waves of `size` hosts or `percent` of the total (at least 1)."""
    if total <= 0:
        return []
    if size:
        step = size
    elif percent:
        step = max(1, math.floor(total * percent / 100))
    else:
        return [total]
    sizes = [step] * (total // step)
    if total % step:
        sizes.append(total % step)
    return sizes


def threshold_exceeded(failed: int, total: int, max_fail_percentage: float | None) -> bool:
    """True once more than `max_fail_percentage` of all targets failed (None: never)."""
    if max_fail_percentage is None or total <= 0:
        return False
    return failed * 100 > max_fail_percentage * total
