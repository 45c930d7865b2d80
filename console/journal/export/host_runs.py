"""Hosts named as a reader scans them: runs of numbered names as their first and last, and
the hosts alike in one row."""

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


# In a row of several hosts, where each host's words named that host itself.
EACH_HOST = "{host}"


def alike_rows(rows: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str, str]]:
    """The hosts alike (result, failure, last step) in one row, every one of them named,
    runs of numbered names as `web-008–web-029`, and how many: at 200 hosts the table had
    200 rows, 115 of them the same halt's words (seen). Words that differ only by naming
    their own host (`no space left on app-2`) are alike, read with EACH_HOST in its place."""
    alike: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for host, result, failure, step in rows:
        alike.setdefault((result, _unnamed(failure, host), step), []).append((host, failure))
    return [
        (_named([h for h, _ in said]), result, _words(key, [w for _, w in said]), step)
        for (result, key, step), said in alike.items()
    ]


def _named(hosts: list[str]) -> str:
    return f"{host_runs(hosts)} ({len(hosts)} hosts)" if len(hosts) > 1 else hosts[0]


def _words(key: str, said: list[str]) -> str:
    """The hosts' own words where they are the same, else the words with EACH_HOST."""
    return said[0] if len(set(said)) == 1 else key


def _unnamed(words: str, host: str) -> str:
    """`words` with `host` as a whole name (not `app-1` in `app-12` or `app-1.example`) as
    EACH_HOST, and a literal EACH_HOST told apart from it."""
    words = words.replace(EACH_HOST, "{ host }")
    return re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w-]|\.\w)", EACH_HOST, words)
