"""Hosts named as a reader scans them: runs of numbered names as their first and last."""

from __future__ import annotations

import re

NUMBERED = re.compile(r"(.*?)(\d+)")


def host_runs(hosts: list[str]) -> str:
    """`web-001–web-006, web-008, web-010–web-029`: three or more names numbered one after
    another (same prefix, same digits) as their first and last."""
    runs: list[list[str]] = []
    for host in hosts:
        if runs and _follows(runs[-1][-1], host):
            runs[-1].append(host)
        else:
            runs.append([host])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(r) for r in runs)


def _follows(before: str, host: str) -> bool:
    """Whether `host` is numbered right after `before` (`web-009`, `web-010`): the same
    prefix, the same digits where they are padded."""
    a, b = NUMBERED.fullmatch(before), NUMBERED.fullmatch(host)
    if a is None or b is None or a[1] != b[1] or int(b[2]) != int(a[2]) + 1:
        return False
    return len(a[2]) == len(b[2]) or not a[2].startswith("0")  # app-9, app-10
